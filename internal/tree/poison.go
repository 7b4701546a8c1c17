package tree

import "sync/atomic"

// poisoning is set by PoisonReleased.
var poisoning atomic.Bool

// poisonNode is what a released tree's nodes, and the entries of its
// child lists, are overwritten with while poisoning is on. It has no
// definition, so that code walking a released tree fails loudly, and its
// strings and places are ones no payload gives.
var poisonNode = Node{
	Name: "\uFFFDreleased", Type: "\uFFFDreleased", Value: "\uFFFDreleased", HasValue: true,
	Index: -9, Line: -9, Col: -9,
}

// PoisonReleased turns on, or off again, the overwriting of the trees of
// ParseXMLPooled, ParseJSONPooled and the Scratch readers when they are
// released: every node then reads as a made-up element without a
// definition, and the memory is not reused. It is for tests, to prove that
// nothing a caller keeps (a validation's result, say) still points into a
// tree it released; it returns the previous setting.
func PoisonReleased(on bool) (was bool) { return poisoning.Swap(on) }
