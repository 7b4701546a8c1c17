package tree

import "github.com/nemsfhir/nemsfhir/schemas"

// ParseJSONScratch is ParseJSON for a tree needed only until release is
// called, as by the converter: its nodes and child lists come from blocks
// the reader keeps, cleared, for the next document, so a pass over many
// documents does not allocate a fresh tree for each. Nothing of the tree
// may be used after release, which may be called more than once.
func ParseJSONScratch(src []byte, m *schemas.Model) (doc *Document, release func(), err error) {
	return parseJSONReused(src, m, true)
}

// ParseJSONPooled is ParseJSON for a tree that the caller drops as a whole
// when it is done with it, as the validator does at the end of each
// payload: its nodes and child lists are reused for the next document once
// release is called, as with ParseJSONScratch, but its strings are copies
// (cut from one copy of src, or decoded) and stay valid after release and
// whatever the caller then does with src. Nothing else of the tree may be
// used after release, which may be called more than once.
func ParseJSONPooled(src []byte, m *schemas.Model) (doc *Document, release func(), err error) {
	return parseJSONReused(src, m, false)
}

func parseJSONReused(src []byte, m *schemas.Model, shared bool) (doc *Document, release func(), err error) {
	r := jsonReaders.Get().(*jsonReader)
	r.scratch, r.shareSrc = true, shared
	doc, err = r.parse(src, m)
	released := false
	return doc, func() {
		// Once only: by a second call, r may be reading for someone else.
		if !released {
			released = true
			r.releaseScratch()
		}
	}, err
}

// newNode returns a zero node for the tree being read.
func (r *jsonReader) newNode() *Node {
	if r.scratch {
		return &r.arena.take(1)[0]
	}
	return r.slab.alloc()
}

// newKids returns room for k children, nil when k is 0.
func (r *jsonReader) newKids(k int) []*Node {
	if !r.scratch {
		return r.lists.take(k)
	}
	if k == 0 {
		return nil
	}
	return r.arenaKids.take(k)
}

// releaseScratch clears the blocks of a scratch tree, keeping them unless
// a large document made them too big (as for XML), and pools the reader.
func (r *jsonReader) releaseScratch() {
	if poisoning.Load() {
		// The blocks are overwritten and forgotten, and the reader
		// dropped: see PoisonReleased.
		r.arena.poison(poisonNode)
		r.arenaKids.poison(&poisonNode)
		if r.doc != nil {
			r.doc.Root = &poisonNode
		}
		return
	}
	r.arena.reset()
	r.arenaKids.reset()
	if r.arena.capacity() > maxPooledNodes || r.arenaKids.capacity() > maxPooledNodes {
		r.arena, r.arenaKids = blocks[Node]{}, blocks[*Node]{}
	}
	// keep judges the tape by the scratch bound while shareSrc is set.
	limit := maxKeptTape
	if r.shareSrc {
		limit = maxKeptScratchTape
	}
	keep := r.keep() && cap(r.pairs) <= limit
	r.jsonLexer.release()
	clear(r.pairs[:cap(r.pairs)])
	r.pairs = r.pairs[:0]
	r.slab, r.lists, r.doc, r.errs = nodeSlab{}, sliceBlocks[*Node]{}, nil, errs{}
	r.scratch, r.shareSrc = false, false
	if keep {
		jsonReaders.Put(r)
	}
}
