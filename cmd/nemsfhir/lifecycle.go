package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// maxLifecycleFile bounds a --lifecycle file: ten lines of notes.
const maxLifecycleFile = 64 << 10

// lifecycleStates are the states a --lifecycle file may give (spec 4.2).
var lifecycleStates = map[string]request.LifecycleState{
	"deprecated":          request.Deprecated,
	"no-longer-supported": request.NoLongerSupported,
	"withdrawn":           request.Withdrawn,
}

// lifecycleHelp describes the --lifecycle flag, the same for request and
// serve so that the two judge an event type alike.
const lifecycleHelp = "event life cycle `FILE`: lines \"EVENT-TYPE STATE [NOTE]\" (# comments), STATE deprecated, no-longer-supported or withdrawn, NOTE the dates and link NEMS adds to its notice (default: every event type active, as in guide 2.15.0)"

// loadLifecycle reads a --lifecycle file: one event type a line, its
// state, and the rest of the line as the note. An event type that is not
// one of the ten NEMS supports, an unknown state or a line given twice is
// an error naming the file and line.
func loadLifecycle(path string) (map[string]request.Lifecycle, error) {
	b, err := readSmallFile(path, maxLifecycleFile)
	if err != nil {
		return nil, err
	}
	out := map[string]request.Lifecycle{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d: expected \"EVENT-TYPE STATE [NOTE]\"", path, i+1)
		}
		ev, st := fields[0], fields[1]
		if !slices.Contains(criteria.SupportedEvents, ev) {
			return nil, fmt.Errorf("%s:%d: %q is not one of the event types NEMS supports (%s)", path, i+1, ev, strings.Join(criteria.SupportedEvents, ", "))
		}
		state, ok := lifecycleStates[st]
		if !ok {
			return nil, fmt.Errorf("%s:%d: state %q: expected deprecated, no-longer-supported or withdrawn", path, i+1, st)
		}
		if _, dup := out[ev]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, i+1, ev)
		}
		note := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, ev)), st))
		out[ev] = request.Lifecycle{State: state, Note: note}
	}
	return out, nil
}
