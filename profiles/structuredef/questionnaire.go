package structuredef

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// addQuestionnaire parses a Questionnaire from its JSON form js into a tree
// and keeps it under its url and its id. A Questionnaire that does not
// parse is refused like any other conformance resource: a response would
// otherwise be checked against half of it.
func (l *loader) addQuestionnaire(o origin, js []byte) {
	doc, err := tree.ParseJSON(js, l.reg.model)
	if err != nil {
		l.fail(o, fmt.Errorf("Questionnaire: %w", err))
		return
	}
	if doc == nil || doc.Root == nil || doc.Root.Type != "Questionnaire" {
		l.fail(o, errors.New("Questionnaire: no resource"))
		return
	}
	r := l.reg
	if r.questionnaires == nil {
		r.questionnaires = map[string]*tree.Node{}
		r.questionnaireIDs = map[string][]*tree.Node{}
	}
	if u := childValue(doc.Root, "url"); u != "" {
		if _, dup := r.questionnaires[canonical(u)]; !dup {
			r.questionnaires[canonical(u)] = doc.Root
		}
	}
	if id := doc.Root.ElementID(); id != "" {
		r.questionnaireIDs[id] = append(r.questionnaireIDs[id], doc.Root)
	}
}

func childValue(n *tree.Node, name string) string {
	if c := n.Child(name); c != nil {
		return c.Value
	}
	return ""
}

// questionnaire returns the loaded Questionnaire that ref names: by its
// canonical url (a |version suffix ignored), or, for a relative reference
// "Questionnaire/id", by its id when exactly one loaded Questionnaire has
// that id. nil when none does. The tree is shared: callers must not change
// it.
func (r *Registry) questionnaire(ref string) *tree.Node {
	if r == nil || ref == "" {
		return nil
	}
	if q := r.questionnaires[canonical(ref)]; q != nil {
		return q
	}
	ref = strings.TrimPrefix(canonical(ref), "Questionnaire/")
	if i := strings.Index(ref, "/_history/"); i > 0 {
		ref = ref[:i]
	}
	if strings.ContainsAny(ref, "/:#") {
		return nil
	}
	if qs := r.questionnaireIDs[ref]; len(qs) == 1 {
		return qs[0]
	}
	return nil
}
