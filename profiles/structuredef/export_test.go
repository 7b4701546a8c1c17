package structuredef

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// The checks under the names the tests use; package validate reaches them
// through package bridge.

func (r *Registry) Check(root *tree.Node, extraProfiles []string) []issue.Issue {
	return r.check(context.Background(), root, extraProfiles)
}

// CheckExtensions walks the tree for its extensions, as the profile phase
// does, and checks them all (see checkExtensionNodes).
func (r *Registry) CheckExtensions(root *tree.Node, skip func(url string) bool) []issue.Issue {
	return r.checkExtensions(context.Background(), root, skip)
}

func (r *Registry) checkExtensions(ctx context.Context, root *tree.Node, skip func(url string) bool) []issue.Issue {
	if root == nil {
		return nil
	}
	c := r.newChecker(ctx, root)
	c.extensions(root, skip)
	sortFindings(c.out)
	return c.out
}

// CheckProfile validates one resource node against one profile, without
// looking at meta.profile or at extension definitions outside the profile.
func (r *Registry) CheckProfile(n *tree.Node, p *Profile) []issue.Issue {
	root := n
	for root.Parent != nil {
		root = root.Parent
	}
	c := r.newChecker(context.Background(), root)
	c.conform(n, p)
	return c.out
}

// CheckContext is Check with a context, for the cancellation tests.
func (r *Registry) CheckContext(ctx context.Context, root *tree.Node, extraProfiles []string) []issue.Issue {
	return r.check(ctx, root, extraProfiles)
}

func (r *Registry) Questionnaire(ref string) *tree.Node { return r.questionnaire(ref) }

// UnjudgedBinding is unjudgedBinding, for the tests.
var UnjudgedBinding = unjudgedBinding
