package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/batch"
	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
	"github.com/nemsfhir/nemsfhir/validate/issue"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// DefaultMaxSize is the largest payload Validate reads by default: NEMS
// refuses bodies over 3 MB before parsing them (NEMS guide, "Publish an
// Event Message" page).
const DefaultMaxSize = 3 << 20

// MaxReadSize bounds what ValidateReader reads when MaxSize lifts the NEMS
// limit: a stream is never buffered without a bound, and no FHIR payload
// comes near it.
const MaxReadSize = 256 << 20

// Options configure a Validator. The zero value validates with every model
// phase on (structure, invariants, NEMS rule packs), the schema audit off,
// and the default size limit.
type Options struct {
	// Schema turns the schema phase on: an audit that checks the payload
	// again against the XSD (XML, builds with the tag libxml2) or JSON
	// Schema (JSON) generated from the same model. The model phases already
	// report everything it finds on every corpus the project has
	// (TestSchemaAuditAddsNothing), so it is off by default; it is a cross
	// check of the validator itself, for audits and after changes to the
	// model or its generators.
	Schema bool
	// NoSchema is the old switch of the schema phase, kept so that callers
	// still build. The phase is off unless Schema or RequireXSD asks for
	// it; NoSchema with either of them is refused by New.
	//
	// Deprecated: the schema phase is off by default; set Schema to run it.
	NoSchema bool
	// RequireXSD runs the schema phase (as Schema does) and asks for the
	// XSD check of XML payloads, which only builds with the tag libxml2
	// have (schema.XSDBuiltIn): New refuses with an error wrapping
	// schema.ErrNoXSD elsewhere, and with NoSchema.
	RequireXSD bool
	// NoInvariants turns the evaluation of the STU3 constraints off.
	NoInvariants bool
	// MaxSize is the largest payload accepted, in bytes; 0 means
	// DefaultMaxSize and a negative value lifts the limit (ValidateReader
	// still stops reading after MaxReadSize bytes).
	MaxSize int64

	// NoRules turns the NEMS rule packs off: only base STU3 is checked.
	NoRules bool
	// RulePacks are files or folders of rule packs loaded on top of the
	// built-in ones; a pack may add rules, override them or disable them
	// (see profiles/README.md).
	RulePacks []string
	// Kind forces what every payload is taken to be: "event-message",
	// "subscription" or "resource". Empty means detected from the content.
	Kind string
	// Interaction says which subscription interaction a Subscription
	// payload belongs to: issue.SubscriptionCreate (the default: id and
	// meta.versionId / lastUpdated are then forbidden) or
	// issue.SubscriptionRead (a response from NEMS).
	Interaction issue.Interaction
	// Now is the clock for date and age rules, read once per validation;
	// nil means time.Now. It has the form of request.Options.Now, so that
	// one clock serves both (a fixed one for reproducible runs:
	// func() time.Time { return t }).
	Now func() time.Time

	// IG are folders, files or FHIR package .tgz files of
	// StructureDefinitions (with their ValueSets and CodeSystems) used as
	// profiles: each resource is validated against the profiles in its
	// meta.profile that are loaded, and extensions against their loaded
	// definitions. Questionnaires there are used for the
	// QuestionnaireResponses that name them. A file among them that cannot be used makes New fail
	// (see structuredef.Load).
	IG []string
	// Profiles are profile URLs the root resource of every payload is
	// validated against, besides those in its meta.profile. They must be
	// among the loaded IG.
	Profiles []string

	// UnknownExtensions is the policy for an extension whose definition is
	// neither built in (STU3 core, NHS England, CareConnect) nor loaded
	// with IG: UnknownExtensionsError (the default, as the reference
	// validator), UnknownExtensionsWarning or UnknownExtensionsIgnore.
	UnknownExtensions string
	// ExtensionDomains are URL prefixes whose unknown extensions are
	// accepted, unchecked, with an information issue, whatever the policy
	// (the reference validator's -extension DOMAIN).
	ExtensionDomains []string
}

// Kinds of payload, as Result.Kind and Options.Kind name them.
const (
	KindEventMessage = profiles.KindEventMessage
	KindSubscription = profiles.KindSubscription
	KindResource     = profiles.KindResource
)

// Validator checks FHIR STU3 payloads. Make one with New and share it: it is
// safe for concurrent use, and what it compiles (patterns, schemas,
// invariants) is compiled once.
type Validator struct {
	opts  Options
	model *schemas.Model
	inv   *invariants
	rules *profiles.RuleSet // nil with NoRules
	ig    *structuredef.Registry
	// extensions holds the built-in extension definitions.
	extensions *structuredef.Registry
	// loadWarnings are parts of the IG's profiles that cannot be evaluated.
	loadWarnings []string
	term         *terminology
	offline      offlineSystems // code systems met that cannot be checked
	// freshTrees makes parse read each payload into new memory rather
	// than a pooled tree, as it did before; tests compare the two.
	freshTrees bool
}

// New returns a Validator with the given options. It is NewContext without
// a deadline.
func New(opts Options) (*Validator, error) {
	return NewContext(context.Background(), opts)
}

// NewContext returns a Validator with the given options. Loading
// Options.IG, the one part of New that reads files, stops at the next file
// when ctx ends, and NewContext then returns ctx.Err().
func NewContext(ctx context.Context, opts Options) (*Validator, error) {
	if opts.MaxSize == 0 {
		opts.MaxSize = DefaultMaxSize
	}
	switch opts.Kind {
	case "", KindEventMessage, KindSubscription, KindResource:
	default:
		return nil, fmt.Errorf("unknown kind %q: expected %s, %s or %s", opts.Kind, KindEventMessage, KindSubscription, KindResource)
	}
	switch opts.Interaction {
	case 0:
		opts.Interaction = issue.SubscriptionCreate
	case issue.SubscriptionCreate, issue.SubscriptionRead:
	default:
		return nil, fmt.Errorf("subscription interaction %s: expected %s or %s", opts.Interaction, issue.SubscriptionCreate, issue.SubscriptionRead)
	}
	if opts.RequireXSD && opts.NoSchema {
		return nil, errors.New("RequireXSD and NoSchema together: the XSD check is part of the schema phase")
	}
	if opts.Schema && opts.NoSchema {
		return nil, errors.New("Schema and NoSchema together: NoSchema is the old switch and the phase is off by default")
	}
	// The XSD check is the schema phase for XML: asking for it runs it.
	opts.Schema = opts.Schema || opts.RequireXSD
	if opts.RequireXSD && !schema.XSDBuiltIn {
		return nil, fmt.Errorf("RequireXSD: %w", schema.ErrNoXSD)
	}
	v := &Validator{opts: opts, model: schemas.STU3()}
	if err := v.initExtensions(); err != nil {
		return nil, err
	}
	if !opts.NoInvariants {
		v.inv = newInvariants(v.model)
	}
	if !opts.NoRules {
		var err error
		if v.rules, err = profiles.LoadPacks(opts.RulePacks...); err != nil {
			return nil, err
		}
	}
	if opts.Schema {
		// libxml2 compiles the XSD of the NEMS resource types beside the
		// Go work that follows (rule packs, the first parse).
		schema.Warm()
	}
	if len(opts.IG) > 0 || len(opts.Profiles) > 0 {
		if err := v.loadIG(ctx); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.term = &terminology{term: schemas.STU3Terminology(), ig: v.ig}
	return v, nil
}

// Rule ids of problems found before the structure phase.
const (
	RuleWellFormed = "fhir:well-formed"
	RuleStructure  = "fhir:structure"
	RuleSize       = "fhir:size"
)

// Validate checks one payload and returns every issue found. source names
// the payload in the result (a file path, say) and may be empty. Codes of
// code systems held neither by the STU3 package nor by Options.IG (SNOMED
// CT, LOINC, ...) are not judged; UncheckedTerminology names them once for
// all the payloads validated. It is ValidateContext without a deadline, so
// it always has a result.
func (v *Validator) Validate(source string, src []byte) *Result {
	res, _ := v.ValidateContext(context.Background(), source, src)
	return res
}

// ValidateContext is Validate with a context: when ctx ends the phases stop
// at their next check (between phases, every few hundred elements, and
// every thousand or so FHIRPath steps), and ValidateContext returns a nil
// Result and ctx.Err(). A payload that was not fully judged never has a
// Result, so it cannot pass for valid.
func (v *Validator) ValidateContext(ctx context.Context, source string, src []byte) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	res := v.validate(ctx, source, src)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tree.PlaceIssues(src, res.Issues)
	res.Elapsed = time.Since(start)
	return res, nil
}

// stopped reports whether the validation must stop: ctx has ended.
func stopped(ctx context.Context) bool { return ctx.Err() != nil }

func (v *Validator) validate(ctx context.Context, source string, src []byte) *Result {
	res := &Result{Source: source, Kind: "unknown"}
	if v.opts.MaxSize > 0 && int64(len(src)) > v.opts.MaxSize {
		res.Issues = append(res.Issues, Issue{
			Severity: SeverityFatal, Code: "too-costly", Spine: SpineBadRequest, Rule: RuleSize,
			Message: fmt.Sprintf("payload is %d bytes, more than the limit of %d bytes", len(src), v.opts.MaxSize),
		})
		return res
	}
	doc, release, err := v.parse(src, res)
	// The tree's memory goes back to the reader for the next payload when
	// the phases are done: nothing in res points into it (its strings are
	// copies, see parse), and TestReleasedTreesAreNotKept checks that no
	// phase keeps a node.
	defer release()
	fatal := false
	if err != nil {
		fatal = addParseIssues(res, err)
	}
	if doc == nil || doc.Root == nil {
		sortIssues(res.Issues)
		return res
	}
	res.ResourceType = doc.Root.Type
	res.Kind, res.EventType, res.Lifecycle = bridge.DetectKind(doc.Root)
	if v.opts.Kind != "" {
		res.Kind = v.opts.Kind
	}
	if fatal {
		// The parser stopped part way: the tree lacks whatever followed,
		// and the later phases would report that as missing elements and
		// dangling references, burying the one real cause.
		sortIssues(res.Issues)
		return res
	}
	// Each phase is skipped once ctx has ended; the caller then drops the
	// result.
	// The structure phase walks the whole tree once and notes what the
	// next phases look for (resources, extensions, the element count);
	// they start from those lists instead of walking it again.
	w := walkedPool.Get().(*walked)
	defer w.release()
	phases := []func(){
		func() {
			st := &structure{m: v.model, issues: &res.Issues, xml: res.Format == "xml", term: v.term, unchecked: map[string]bool{}, uncheckedVS: map[string]string{}}
			st.check(ctx, doc.Root, w)
			v.offline.add(st.unchecked, st.uncheckedVS)
		},
		func() { checkBundles(w.resources, &res.Issues) },
		func() { checkContainedReferences(w.resources, &res.Issues) },
		func() { v.checkQuestionnaireResponses(w.resources, &res.Issues) },
		func() {
			if v.inv != nil {
				v.inv.check(ctx, doc.Root, w.nodes, &res.Issues)
			}
		},
		func() { v.extensionPhase(ctx, doc.Root, w.extensions, res) },
		func() {
			if v.ig != nil {
				v.profilePhase(ctx, doc.Root, res)
			}
		},
		func() {
			if v.rules != nil {
				v.nemsPhase(ctx, doc.Root, res, len(src))
			}
		},
		// Last: the audit is a second opinion on what every other phase
		// passed.
		func() {
			if v.opts.Schema && err == nil {
				schemaPhase(src, res.Format, doc.Root, &res.Issues)
			}
		},
	}
	for _, phase := range phases {
		if stopped(ctx) {
			return res
		}
		phase()
	}
	sortIssues(res.Issues)
	return res
}

// ValidateReader reads a payload from r, refusing more than the size limit
// (MaxReadSize when the limit is lifted) without reading it all, and
// validates it. It is ValidateReaderContext without a deadline.
func (v *Validator) ValidateReader(source string, r io.Reader) (*Result, error) {
	return v.ValidateReaderContext(context.Background(), source, r)
}

// ValidateReaderContext is ValidateReader with a context: reading stops at
// the next read from r once ctx has ended, validation as ValidateContext
// says, and the error is then ctx.Err().
func (v *Validator) ValidateReaderContext(ctx context.Context, source string, r io.Reader) (*Result, error) {
	limit := v.readLimit()
	src, err := io.ReadAll(io.LimitReader(batch.Reader(ctx, r), limit+1))
	if err != nil {
		return nil, readError(ctx, source, err)
	}
	return v.validateRead(ctx, source, src, limit)
}

// readLimit is the most a payload read from a stream may hold.
func (v *Validator) readLimit() int64 {
	limit := v.opts.MaxSize
	if limit <= 0 || limit > MaxReadSize {
		limit = MaxReadSize
	}
	return limit
}

// readError is the error of a failed read of the payload named source:
// ctx's own when it ended.
func readError(ctx context.Context, source string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return fmt.Errorf("%s: %w", source, err)
}

// validateRead validates src, read from a stream that was cut after
// limit+1 bytes: a payload with more than limit is refused unparsed.
func (v *Validator) validateRead(ctx context.Context, source string, src []byte, limit int64) (*Result, error) {
	if int64(len(src)) > limit {
		// Reading stopped at limit+1 bytes: the true size is unknown.
		return &Result{Source: source, Kind: "unknown", Issues: []Issue{{
			Severity: SeverityFatal, Code: "too-costly", Spine: SpineBadRequest, Rule: RuleSize,
			Message: fmt.Sprintf("payload is more than the limit of %d bytes (reading stopped after %d bytes)", limit, len(src)),
		}}}, nil
	}
	return v.ValidateContext(ctx, source, src)
}

// parse sniffs the format and parses the payload into a tree, which is
// valid until release is called. The tree's nodes are pooled memory, reused
// for the next payload after release; its strings are not: they are cut
// from a copy of src or decoded, so that those the phases put in issues
// stay valid, whatever the caller does with src.
func (v *Validator) parse(src []byte, res *Result) (doc *tree.Document, release func(), err error) {
	release = func() {}
	switch Sniff(src) {
	case "xml":
		res.Format = "xml"
		if v.freshTrees {
			doc, err = tree.ParseXML(src, v.model)
			return doc, release, err
		}
		return tree.ParseXMLPooled(src, v.model)
	case "json":
		res.Format = "json"
		if v.freshTrees {
			doc, err = tree.ParseJSON(src, v.model)
			return doc, release, err
		}
		return tree.ParseJSONPooled(src, v.model)
	}
	return nil, release, &tree.Error{Issue: Issue{Line: 1, Column: 1, Message: "payload is neither XML nor JSON: expected '<' or '{' as the first character"}}
}

// Sniff tells "xml" or "json" from the first significant byte of a payload,
// after any byte order mark and whitespace; "" when it is neither. It is
// inputs.Sniff, the one rule every reader of a payload follows.
func Sniff(src []byte) string { return inputs.Sniff(src) }

// addParseIssues turns parser errors into issues: a payload that cannot be
// read is not well formed; an element the model does not allow is a
// structure error. It reports whether the tree cannot be trusted: the
// parser stopped before the end, or the text is not well formed.
func addParseIssues(res *Result, err error) (fatal bool) {
	var list tree.ErrorList
	var one *tree.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = tree.ErrorList{one}
	default:
		list = tree.ErrorList{{Issue: Issue{Message: err.Error()}}}
	}
	for _, e := range list {
		iss := e.Issue
		iss.Severity, iss.Code, iss.Spine, iss.Rule = SeverityError, issue.TypeStructure, SpineInvalidResource, RuleStructure
		switch {
		case e.Path == "":
			// No element to blame: the text itself could not be read.
			iss.Severity, iss.Spine, iss.Rule = SeverityFatal, SpineMessageNotWellFormed, RuleWellFormed
		case e.Fatal:
			// An element the parser stopped at (nesting past its limit):
			// nothing after it was read.
			iss.Severity = SeverityFatal
		}
		fatal = fatal || iss.Severity == SeverityFatal
		res.Issues = append(res.Issues, iss)
	}
	return fatal
}

// RuleSet returns the NEMS rule packs the validator checks payloads
// against (the built-in ones and those of Options.RulePacks), or nil with
// Options.NoRules. Reports use it to describe the rules they name.
func (v *Validator) RuleSet() *profiles.RuleSet { return v.rules }
