package validate

import (
	"context"
	"strconv"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// nemsPhase runs the NEMS rule packs over a payload that parsed. Findings
// that restate a base issue on the same line are dropped (see the pack
// format's "restates").
func (v *Validator) nemsPhase(ctx context.Context, root *tree.Node, res *Result, size int) {
	// validate has read the kind, event and life cycle already.
	in := bridge.Input{
		Detected:    true,
		Kind:        res.Kind,
		Event:       res.EventType,
		Lifecycle:   res.Lifecycle,
		Interaction: v.opts.Interaction,
		Format:      res.Format,
		Size:        int64(size),
		Now:         v.now(),
	}
	// The base issues' lines are only listed when a finding restates one.
	var reported map[string]bool
	base := res.Issues
	for _, f := range bridge.CheckRules(ctx, v.rules, root, in) {
		if r, ok := v.rules.Rule(f.Rule); ok && r.Restates != "" {
			if reported == nil {
				reported = map[string]bool{}
				for _, is := range base {
					reported[lineKey(is.Rule, is.Line)] = true
				}
			}
			if reported[lineKey(r.Restates, f.Line)] {
				continue
			}
		}
		res.Issues = append(res.Issues, f)
	}
}

func lineKey(rule string, line int) string { return rule + "\x00" + strconv.Itoa(line) }

// now reads the clock of Options.Now, time.Now without one.
func (v *Validator) now() time.Time {
	if v.opts.Now == nil {
		return time.Now()
	}
	return v.opts.Now()
}
