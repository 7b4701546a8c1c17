package validate

import (
	"context"
	"fmt"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
)

// Policies for extensions whose definition is neither built in nor loaded
// with Options.IG, as Options.UnknownExtensions names them.
const (
	// UnknownExtensionsError reports an unknown extension as an error,
	// as the HL7 reference validator (validator_cli) does by default: "The
	// extension URL is unknown, and not allowed here".
	UnknownExtensionsError = "error"
	// UnknownExtensionsWarning reports it as a warning.
	UnknownExtensionsWarning = "warning"
	// UnknownExtensionsIgnore accepts it, with an information issue that
	// says it was not checked (the reference's "Unknown extension" hint
	// under -extension any).
	UnknownExtensionsIgnore = "ignore"
)

// Rules of the extension phase. Findings against a built-in definition
// carry "fhir:extension:<last segment of its URL>:<kind>", kind as in
// package structuredef (type, cardinality, context, modifier, fixed,
// binding, slice, ...).
const (
	RuleUnknownExtension = "fhir:extension:unknown"
	RuleSubExtension     = "fhir:extension:sub-extension"
)

// coreExtensionBase is the namespace of the STU3 core extensions: all 376
// are built in, so a URL there that is not one of them belongs to another
// FHIR version or is misspelt.
const coreExtensionBase = "http://hl7.org/fhir/StructureDefinition/"

// initExtensions checks the extension options and loads the built-in
// definitions.
func (v *Validator) initExtensions() error {
	switch v.opts.UnknownExtensions {
	case "":
		v.opts.UnknownExtensions = UnknownExtensionsError
	case UnknownExtensionsError, UnknownExtensionsWarning, UnknownExtensionsIgnore:
	default:
		return fmt.Errorf("unknown-extensions policy %q: expected %s, %s or %s",
			v.opts.UnknownExtensions, UnknownExtensionsError, UnknownExtensionsWarning, UnknownExtensionsIgnore)
	}
	for _, d := range v.opts.ExtensionDomains {
		if !isAbsoluteURL(d) {
			return fmt.Errorf("extension domain %q: expected an absolute URL prefix such as https://fhir.example.org/", d)
		}
	}
	reg, err := structuredef.Builtin()
	if err != nil {
		return fmt.Errorf("built-in extension definitions: %w", err)
	}
	v.extensions = reg
	return nil
}

// extensionPhase checks every extension against its built-in definition
// (those the IG loads are judged by the profile phase instead) and applies
// the unknown-extension policy to the rest. Once ctx has ended it stops
// part way; the caller drops the result.
// The extensions are those of the tree in document order, as the
// structure walk met them.
func (v *Validator) extensionPhase(ctx context.Context, root *tree.Node, extensions []*tree.Node, res *Result) {
	inIG := func(u string) bool { return v.ig != nil && v.ig.Profile(u) != nil }
	builtin := false
	stop := false
	for i, n := range extensions {
		// Asked every 256 extensions, as the structure phase does every
		// 256 elements.
		if i&255 == 255 && ctx.Err() != nil {
			stop = true
			break
		}
		if u := n.Child("url"); u != nil && u.HasValue && !builtin && !inIG(u.Value) && v.extensions.Profile(u.Value) != nil {
			builtin = true
		}
		v.unknownExtension(n, inIG, &res.Issues)
	}
	if !builtin || stop {
		return // the checker's set-up is not needed, or the caller drops the result
	}
	v.addProfileFindings(bridge.CheckExtensions(ctx, v.extensions, root, extensions, inIG), res)
}

// known returns the definition of u, from the IG or built in.
func (v *Validator) known(u string) *structuredef.Profile {
	if v.ig != nil {
		if p := v.ig.Profile(u); p != nil {
			return p
		}
	}
	return v.extensions.Profile(u)
}

// unknownExtension reports extension n when no definition of its URL is
// known. A relative URL inside a known complex extension is judged by that
// extension's definition; inside an unknown one it is left to the report
// on the outer extension.
func (v *Validator) unknownExtension(n *tree.Node, inIG func(string) bool, issues *[]Issue) {
	un := n.Child("url")
	if un == nil || !un.HasValue || un.Value == "" {
		return // a missing url is a cardinality error already
	}
	u := un.Value
	if v.known(u) != nil {
		return
	}
	if parent := n.Parent; parent != nil && parent.Type == "Extension" {
		pu := parent.Child("url")
		if pu == nil || !pu.HasValue {
			return
		}
		pd := v.known(pu.Value)
		if pd == nil {
			// Inside an unknown extension: the report on the outer
			// one covers its content.
			return
		}
		if isAbsoluteURL(u) {
			goto unknown
		}
		if !pd.SubExtension(u) {
			*issues = append(*issues, Issue{
				Severity: SeverityError, Code: "structure", Spine: SpineInvalidResource, Rule: RuleSubExtension,
				Path: n.Path(), Line: n.Line, Column: n.Col,
				Message: fmt.Sprintf("nested extension %q is not defined by extension %s, which it stands in", u, pu.Value),
			})
		}
		return
	}
unknown:
	sev, code, verdict := SeverityError, "structure", "it is not allowed here (the reference validator's default; relax with --unknown-extensions or --extension-domain)"
	domain := ""
	for _, d := range v.opts.ExtensionDomains {
		if strings.HasPrefix(u, d) {
			domain = d
			break
		}
	}
	exempt := referenceExempt(u)
	switch {
	case exempt:
		sev, code, verdict = SeverityInformation, "informational", "example and DICOM (nema.org) URLs are accepted without being checked, as the reference validator accepts them"
	case domain != "":
		sev, code, verdict = SeverityInformation, "informational", "its domain "+domain+" is allowed, so it is accepted without being checked"
	case v.opts.UnknownExtensions == UnknownExtensionsWarning:
		sev, verdict = SeverityWarning, "it was not checked"
	case v.opts.UnknownExtensions == UnknownExtensionsIgnore:
		sev, code, verdict = SeverityInformation, "informational", "it is accepted without being checked"
	}
	what := "no definition of it is built in (STU3 core, NHS England, CareConnect) or loaded with --ig"
	switch {
	case strings.HasPrefix(u, coreExtensionBase):
		what = "it is not one of the STU3 core extensions (an extension of another FHIR version, or a misspelling?)"
	case !isAbsoluteURL(u):
		what = "its URL is not absolute, and only an extension nested in a complex extension may have a relative URL"
	}
	*issues = append(*issues, Issue{
		Severity: sev, Code: code, Spine: SpineInvalidResource, Rule: RuleUnknownExtension,
		Path: n.Path(), Line: n.Line, Column: n.Col,
		Message: "unknown extension " + u + ": " + what + "; " + verdict,
	})
}

// isAbsoluteURL reports whether u starts with a scheme ("https:", "urn:").
func isAbsoluteURL(u string) bool {
	i := strings.IndexByte(u, ':')
	if i <= 0 {
		return false
	}
	for j, r := range u[:i] {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// referenceExempt reports whether the reference validator accepts u
// although it cannot resolve it: example URLs (example.org, acme.com),
// DICOM's (nema.org), its own tooling namespace, and
// structuredefinition-expression, which later versions define and the
// STU3 publication already used.
func referenceExempt(u string) bool {
	return strings.Contains(u, "example.org") || strings.Contains(u, "acme.com") || strings.Contains(u, "nema.org") ||
		strings.HasPrefix(u, "http://hl7.org/fhir/tools/StructureDefinition/") ||
		u == "http://hl7.org/fhir/StructureDefinition/structuredefinition-expression"
}
