package fhirpath

import "strings"

// builtinBase is the part of the STU3 type hierarchy the engine knows on
// its own: specialised primitives, the Quantity family and the resource
// roots. A model-backed [Env.BaseType] adds the rest.
var builtinBase = map[string]string{
	"code": "string", "id": "string", "markdown": "string",
	"oid": "uri", "uuid": "uri", "url": "uri", "canonical": "uri",
	"unsignedInt": "integer", "positiveInt": "integer",
	"Age": "Quantity", "Count": "Quantity", "Distance": "Quantity",
	"Duration": "Quantity", "Money": "Quantity", "SimpleQuantity": "Quantity",
	"MoneyQuantity":  "Quantity",
	"DomainResource": "Resource", "Bundle": "Resource", "Binary": "Resource",
	"Parameters": "Resource",
}

// stu3DomainResources are the STU3 resource types that specialise
// DomainResource (all but Bundle, Binary and Parameters), so that
// `is DomainResource` and the DomainResource.x prefix work without a model.
const stu3DomainResources = `Account ActivityDefinition AdverseEvent AllergyIntolerance
Appointment AppointmentResponse AuditEvent Basic BodySite CapabilityStatement CarePlan
CareTeam ChargeItem Claim ClaimResponse ClinicalImpression CodeSystem Communication
CommunicationRequest CompartmentDefinition Composition ConceptMap Condition Consent
Contract Coverage DataElement DetectedIssue Device DeviceComponent DeviceMetric
DeviceRequest DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference
EligibilityRequest EligibilityResponse Encounter Endpoint EnrollmentRequest
EnrollmentResponse EpisodeOfCare ExpansionProfile ExplanationOfBenefit
FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse HealthcareService
ImagingManifest ImagingStudy Immunization ImmunizationRecommendation
ImplementationGuide Library Linkage List Location Measure MeasureReport Media
Medication MedicationAdministration MedicationDispense MedicationRequest
MedicationStatement MessageDefinition MessageHeader NamingSystem NutritionOrder
Observation OperationDefinition OperationOutcome Organization Patient PaymentNotice
PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole Procedure
ProcedureRequest ProcessRequest ProcessResponse Provenance Questionnaire
QuestionnaireResponse ReferralRequest RelatedPerson RequestGroup ResearchStudy
ResearchSubject RiskAssessment Schedule SearchParameter Sequence ServiceDefinition
Slot Specimen StructureDefinition StructureMap Subscription Substance SupplyDelivery
SupplyRequest Task TestReport TestScript ValueSet VisionPrescription`

func init() {
	for _, r := range strings.Fields(stu3DomainResources) {
		builtinBase[r] = "DomainResource"
	}
}

// isBuiltinBase reports whether a type of builtinBase derives from name;
// TestBuiltinBases keeps it in step with the table.
func isBuiltinBase(name string) bool {
	switch name {
	case "string", "uri", "integer", "Quantity", "Resource", "DomainResource":
		return true
	}
	return false
}

// systemOfPrimitive maps each FHIR primitive root to the System type its
// values convert to; primitives not listed convert to String.
var systemOfPrimitive = map[string]string{
	"boolean": "Boolean", "integer": "Integer", "decimal": "Decimal",
	"date": "Date", "dateTime": "DateTime", "instant": "DateTime", "time": "Time",
}

var systemTypes = map[string]bool{
	"Boolean": true, "String": true, "Integer": true, "Decimal": true,
	"Date": true, "DateTime": true, "Time": true, "Quantity": true,
}

func (ev *evaluator) baseOf(t string) string {
	if ev.env.BaseType != nil {
		if b := ev.env.BaseType(t); b != "" {
			return b
		}
	}
	return builtinBase[t]
}

// primitiveRoot follows the built-in table to the root of a specialised
// type (positiveInt to integer, Age to Quantity). Conversion to System
// values needs only these roots, so it does not consult Env.BaseType.
func primitiveRoot(t string) string {
	for i := 0; i < 4; i++ {
		b, ok := builtinBase[t]
		if !ok {
			break
		}
		t = b
	}
	return t
}

func isQuantityType(t string) bool { return primitiveRoot(t) == "Quantity" }

// valueOf converts an item to a System value per the FHIRPath conversion
// rules. Text that does not parse as its declared type is kept as a String,
// so that a malformed instance still compares as text rather than failing
// the whole evaluation (the structure phase reports the format error).
func valueOf(it Item) (Value, bool) {
	if it.val != nil {
		return it.val, true
	}
	n := it.node
	if n == nil {
		return nil, false
	}
	t := n.Type()
	text, ok := n.Value()
	if !ok {
		if isQuantityType(t) {
			return quantityOf(n)
		}
		return nil, false
	}
	switch systemOfPrimitive[primitiveRoot(t)] {
	case "Boolean":
		switch text {
		case "true":
			return Boolean(true), true
		case "false":
			return Boolean(false), true
		}
	case "Integer":
		if d, ok := ParseDecimal(text); ok && d.scale == 0 && d.r.Num().IsInt64() && !strings.ContainsAny(text, ".eE") {
			return Integer(d.r.Num().Int64()), true
		}
	case "Decimal":
		if d, ok := ParseDecimal(text); ok {
			return d, true
		}
	case "Date", "DateTime":
		if d, ok := ParseDateTime(text); ok {
			d.DateOnly = t == "date"
			return d, true
		}
	case "Time":
		if tm, ok := ParseTime(text); ok {
			return tm, true
		}
	}
	return String(text), true
}

// quantityOf reads a Quantity element (value plus code, or unit) as a
// System Quantity.
func quantityOf(n Node) (Value, bool) {
	vs := n.Children("value")
	if len(vs) != 1 || vs[0] == nil {
		return nil, false
	}
	text, ok := vs[0].Value()
	if !ok {
		return nil, false
	}
	d, ok := ParseDecimal(text)
	if !ok {
		return nil, false
	}
	unit := ""
	for _, name := range []string{"code", "unit"} {
		if cs := n.Children(name); len(cs) == 1 && cs[0] != nil {
			if u, ok := cs[0].Value(); ok {
				unit = u
				break
			}
		}
	}
	return Quantity{Value: d, Unit: unit}, true
}

// isPrimitiveNode reports whether the item is an element holding a value
// of a FHIR primitive type.
func isPrimitiveNode(it Item) bool {
	if it.node == nil {
		return false
	}
	_, ok := it.node.Value()
	return ok
}

// nodeIsType reports whether the element's type is ts or derives from it.
func (ev *evaluator) nodeIsType(n Node, ts typeSpec) bool {
	if ts.ns == "System" {
		return false
	}
	t := n.Type()
	if t == ts.name {
		return true
	}
	// Without a model only the built-in bases have subtypes, so the walk
	// up the hierarchy can only find those.
	if ev.env.BaseType != nil || ts.isBase {
		for i := 0; t != "" && i < 32; i++ {
			if t == ts.name {
				return true
			}
			t = ev.baseOf(t)
		}
	}
	// A System name (Boolean, String, ...) names System values only: a FHIR
	// boolean element is not a System.Boolean, as FHIRPath has it. The
	// names both share (Quantity) matched above by the element's type.
	return false
}

func (ev *evaluator) itemIsType(it Item, ts typeSpec) bool {
	if it.node != nil {
		return ev.nodeIsType(it.node, ts)
	}
	if ts.ns == "FHIR" {
		return false
	}
	st := it.val.SystemType()
	if st == ts.name {
		return true
	}
	// Lower-case FHIR primitive names also match the System values they
	// convert to ('a' is string).
	return ts.ns == "" && systemOfPrimitive[ts.name] == st || ts.ns == "" && ts.name == "string" && st == "String"
}

func (ev *evaluator) isType(in Collection, ts typeSpec) (Collection, error) {
	switch len(in) {
	case 0:
		return nil, nil
	case 1:
		return boolean(ev.itemIsType(in[0], ts)), nil
	}
	return nil, evalErrorf("'is %s' needs a single item, got %d", ts, len(in))
}

// asType is the FHIRPath `as`: the single item when it is of the type,
// empty when it is not, and an error on several items (ofType() is the
// filter).
func (ev *evaluator) asType(in Collection, ts typeSpec) (Collection, error) {
	if len(in) > 1 {
		return nil, evalErrorf("'as %s' needs a single item, got %d (ofType() filters a collection)", ts, len(in))
	}
	return ev.ofType(in, ts), nil
}

// ofType keeps the items of the type.
func (ev *evaluator) ofType(in Collection, ts typeSpec) Collection {
	out := ev.carve()
	for _, it := range in {
		if ev.itemIsType(it, ts) {
			out = append(out, it)
		}
	}
	return ev.keep(out)
}

// isValuelessPrimitive reports a primitive element that carries only
// extensions: operators read it as empty, the way the STU3 examples
// expect (eld-13 concatenates a code that has only an extension).
func isValuelessPrimitive(it Item) bool {
	if it.node == nil {
		return false
	}
	if _, ok := it.node.Value(); ok {
		return false
	}
	t := it.node.Type()
	return t != "" && t[0] >= 'a' && t[0] <= 'z'
}
