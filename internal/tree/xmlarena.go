package tree

import (
	"bytes"
	"strings"
	"sync"
	"unsafe"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// ParseXMLScratch is ParseXML for a tree that is needed only briefly, as
// in a conversion: the tree shares memory with src and with the trees of
// later calls. It is valid until release is called, and src must not
// change before then. Errors and warnings do not share memory and stay
// valid.
//
// A large document's tree is several times the size of its source; making
// it anew for every document kept the collector busy for a third of a
// conversion.
func ParseXMLScratch(src []byte, m *schemas.Model) (doc *Document, release func(), err error) {
	return parseXMLReused(src, m, true)
}

// ParseXMLPooled is ParseXML for a tree that the caller drops as a whole
// when it is done with it, as the validator does at the end of each
// payload: the nodes and child lists come from memory kept for the next
// document and are reused once release is called. Unlike ParseXMLScratch
// the strings of the tree do not share memory with src, nor with the
// nodes: they are cut from one copy of src (or made for the value that
// needed decoding), so that a string taken from the tree, a value quoted
// in a message, say, stays valid after release and whatever the caller
// then does with src. Nothing else of the tree may be used after release,
// which may be called more than once.
func ParseXMLPooled(src []byte, m *schemas.Model) (doc *Document, release func(), err error) {
	return parseXMLReused(src, m, false)
}

func parseXMLReused(src []byte, m *schemas.Model, shared bool) (doc *Document, release func(), err error) {
	r := getXMLReader()
	r.init(src, m, shared)
	r.document()
	doc, err = r.doc, r.errs.err()
	released := false
	return doc, func() {
		// Once only: by a second call, r may be reading for someone else.
		if !released {
			released = true
			r.release()
		}
	}, err
}

// xmlReaders keeps readers between documents: their scanner stacks, child
// stack and model tables for every parse, and their node blocks for the
// trees read with ParseXMLScratch and ParseXMLPooled.
var xmlReaders sync.Pool

func getXMLReader() *xmlReader {
	if r, _ := xmlReaders.Get().(*xmlReader); r != nil {
		return r
	}
	return new(xmlReader)
}

// maxPooledNodes bounds the node blocks a pooled reader keeps (18 MB; the
// 3.9 MB extension definitions bundle takes 73,000 nodes): a reader that
// took more for one huge document is dropped instead.
const maxPooledNodes = 1 << 17

// maxPooledStack bounds the scanner's element stack and the child stack a
// pooled reader keeps: real documents need a few dozen entries, and an
// element without a definition is skipped with the scanner still
// stacking what it holds.
const maxPooledStack = 4 * MaxDepth

// release clears the reader, keeping its blocks, and pools it. With
// poisoning on (PoisonReleased), the tree's memory is overwritten instead
// and the reader dropped.
func (r *xmlReader) release() {
	if poisoning.Load() {
		r.nodes.poison(poisonNode)
		r.kids.finished.poison(&poisonNode)
		if r.doc != nil {
			r.doc.Root = &poisonNode
		}
		return
	}
	r.nodes.reset()
	r.kids.reset()
	keep := xmlReader{nodes: r.nodes, kids: r.kids, types: r.types, tables: r.tables, sc: r.sc, vals: r.vals}
	// Stacks that a hostile document (a million nested or sibling
	// elements) made large are not kept for the next one.
	if cap(keep.sc.stack) > maxPooledStack {
		keep.sc.stack = nil
	}
	if cap(keep.kids.stack) > maxPooledStack {
		keep.kids.stack = nil
	}
	keep.sc.reset(nil, false)
	*r = keep
	if r.nodes.capacity() <= maxPooledNodes && r.kids.finished.capacity() <= maxPooledNodes {
		xmlReaders.Put(r)
	}
}

// init readies r for src. With shared, the tree's values are cut from
// src itself; otherwise each is copied (see r.value). Names never share
// src: they are the model tables' own.
func (r *xmlReader) init(src []byte, m *schemas.Model, shared bool) {
	src = TrimBOM(src)
	r.src, r.m, r.pos, r.doc, r.shared = src, m, newPosition(src), &Document{}, shared
	if r.types.m != m {
		r.types, r.tables = typeCache{m: m}, nil
	}
	// The scanner reads src in place: what the tree keeps of it is
	// copied value by value.
	r.sc.reset(src, true)
	if r.nodes.capacity() == 0 {
		// Every node but the root is some node's child: one estimate
		// sizes both.
		n := expectNodes(src)
		r.nodes.next, r.kids.finished.next = n, n
	}
}

// expectNodes estimates the nodes a tree of src needs, to size the first
// block: every element but the narrative's has a node, and starts with '<'
// where its end tag, if any, starts with "</". Counting stops once the
// estimate reaches the largest block.
func expectNodes(src []byte) int {
	const chunk = 16 << 10
	n := 0
	for len(src) > 0 && n < maxSlab {
		c := src[:min(chunk, len(src))]
		src = src[len(c):]
		n += bytes.Count(c, []byte("<")) - bytes.Count(c, []byte("</"))
	}
	return n
}

// blocks hands out elements of type T from larger blocks, and can hand out
// the same blocks again, cleared, for the next document.
type blocks[T any] struct {
	all  [][]T // every block, in the order they are handed out
	used int   // how many of all are in use
	free []T   // what is left of all[used-1]
	next int   // size of the next new block
}

// take returns k zero elements. Their capacity ends with them, so that
// appending to one slice never writes over another.
func (b *blocks[T]) take(k int) []T {
	if k > len(b.free) {
		b.grow(k)
	}
	out := b.free[:k:k]
	b.free = b.free[k:]
	return out
}

func (b *blocks[T]) grow(k int) {
	for b.used < len(b.all) {
		blk := b.all[b.used]
		b.used++
		if len(blk) >= k {
			b.free = blk
			return
		}
	}
	size := min(max(b.next, 16), maxSlab)
	b.next = 2 * size
	blk := make([]T, max(k, size))
	b.all = append(b.all, blk)
	b.used++
	b.free = blk
}

// reset clears what was handed out, so that the blocks hold no pointers
// into the last document, and makes every block free again.
func (b *blocks[T]) reset() {
	for i := range b.used {
		blk := b.all[i]
		if i == b.used-1 {
			blk = blk[:len(blk)-len(b.free)]
		}
		clear(blk)
	}
	b.used, b.free = 0, nil
}

// poison overwrites what was handed out with v, for the tests that check
// that nothing uses a released tree, and forgets the blocks.
func (b *blocks[T]) poison(v T) {
	for i := range b.used {
		blk := b.all[i]
		if i == b.used-1 {
			blk = blk[:len(blk)-len(b.free)]
		}
		for k := range blk {
			blk[k] = v
		}
	}
	*b = blocks[T]{}
}

func (b *blocks[T]) capacity() int {
	n := 0
	for _, blk := range b.all {
		n += len(blk)
	}
	return n
}

// xmlKids collects the children of the nodes being read, the deepest
// node's on top, so that each node's Children can be cut exactly sized
// from a block when the node is complete instead of growing by appends.
// A node being read knows where its children start on the stack (its
// mark); its Children is set only once, when it is complete, so that
// adding a child writes one pointer, not a slice header as well.
type xmlKids struct {
	stack    []*Node
	finished blocks[*Node]
}

// push adds c as the next child of the node whose children are on top.
func (s *xmlKids) push(c *Node) { s.stack = append(s.stack, c) }

// mark is where the children of a node begun now start.
func (s *xmlKids) mark() int { return len(s.stack) }

// since returns the children pushed since mark: those of the node being
// read, so far.
func (s *xmlKids) since(mark int) []*Node { return s.stack[mark:] }

// done gives n, whose children are on top from mark, its final Children
// and pops them off the stack. What stays above the top is overwritten by
// later children and cleared when the reader is released.
func (s *xmlKids) done(n *Node, mark int) {
	k := len(s.stack) - mark
	if k <= 0 {
		return
	}
	n.Children = s.finished.take(k)
	copy(n.Children, s.stack[mark:])
	s.stack = s.stack[:mark]
}

func (s *xmlKids) reset() {
	clear(s.stack[:cap(s.stack)])
	s.stack = s.stack[:0]
	s.finished.reset()
}

// value returns v, a value the scanner read, to be kept in the tree: v
// itself when the tree may share src, else a copy. A tree used to be cut
// from one copy of the whole source; its values are about a third of it,
// and the rest (tags, names, indentation) was garbage the collector had
// to make room for.
func (r *xmlReader) value(v string) string {
	if r.shared {
		return v
	}
	return r.vals.keep(v)
}

// valueArena copies strings into shared chunks: one allocation for many
// values. A chunk is only ever appended to, so a string cut from it never
// changes, and the chunk lives as long as any of them (a value kept in a
// validation's result, say). A reader keeps its chunk from document to
// document for that reason too: what one document left free, the next one
// fills.
type valueArena struct {
	free []byte // the unused end of the current chunk
}

// valueChunk is the size of a chunk; longer values get an allocation of
// their own.
const (
	valueChunk = 16 << 10
	maxInChunk = valueChunk / 8
)

// keep returns a copy of v.
func (a *valueArena) keep(v string) string {
	n := len(v)
	switch {
	case n == 0:
		return ""
	case n > maxInChunk:
		return strings.Clone(v)
	case n > len(a.free):
		a.free = make([]byte, valueChunk)
	}
	copy(a.free, v)
	out := unsafe.String(&a.free[0], n)
	a.free = a.free[n:]
	return out
}

// sharedString returns b as a string without copying it.
func sharedString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
