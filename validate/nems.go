package validate

import (
	"context"
	"strconv"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// nemsPhase runs the NEMS rule packs over a payload that parsed. Findings
// that restate a base issue on the same line are dropped (see the pack
// format's "restates").
func (v *Validator) nemsPhase(root *tree.Node, res *Result, size int) {
	in := bridge.Input{
		Kind:        res.Kind,
		Event:       res.EventType,
		Interaction: v.opts.Interaction,
		Format:      res.Format,
		Size:        int64(size),
		Now:         v.opts.Now,
	}
	reported := map[string]bool{}
	for _, is := range res.Issues {
		reported[lineKey(is.Rule, is.Line)] = true
	}
	for _, f := range bridge.CheckRules(context.Background(), v.rules, root, in) {
		if r, ok := v.rules.Rule(f.Rule); ok && r.Restates != "" && reported[lineKey(r.Restates, f.Line)] {
			continue
		}
		res.Issues = append(res.Issues, f)
	}
}

func lineKey(rule string, line int) string { return rule + "\x00" + strconv.Itoa(line) }
