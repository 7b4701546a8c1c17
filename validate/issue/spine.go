package issue

// SpineSystem is the code system of the Spine ErrorOrWarning codes that
// NEMS puts in OperationOutcome.issue.details (Spine-OperationOutcome-1:
// the profile fixes the CodeSystem URL, not the ValueSet URL some Spine
// pages show).
const SpineSystem = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1"

// SpineCode is a code of Spine-ErrorOrWarningCode-1.
type SpineCode string

// SpineCodeInfo is what Spine answers with a code: the CodeSystem display
// and, where Spine Core maps it, the HTTP status, severity and FHIR issue
// type. Status 0 means Spine Core gives no mapping.
type SpineCodeInfo struct {
	Display   string
	Status    int
	Severity  Severity
	IssueType string
}

// The Spine codes nemsfhir emits itself. Every code of the code system is
// in SpineCodes.
const (
	SpineInvalidResource        SpineCode = "INVALID_RESOURCE"
	SpineMessageNotWellFormed   SpineCode = "MESSAGE_NOT_WELL_FORMED"
	SpineInvalidNHSNumber       SpineCode = "INVALID_NHS_NUMBER"
	SpineInvalidCodeSystem      SpineCode = "INVALID_CODE_SYSTEM"
	SpineInvalidCodeValue       SpineCode = "INVALID_CODE_VALUE"
	SpineInvalidIdentifierSys   SpineCode = "INVALID_IDENTIFIER_SYSTEM"
	SpineInvalidIdentifierValue SpineCode = "INVALID_IDENTIFIER_VALUE"
	SpineInvalidElement         SpineCode = "INVALID_ELEMENT"
	SpineInvalidParameter       SpineCode = "INVALID_PARAMETER"
	SpineReferenceNotFound      SpineCode = "REFERENCE_NOT_FOUND"
	SpineUnsupportedMediaType   SpineCode = "UNSUPPORTED_MEDIA_TYPE"
	SpineMissingOrInvalidHeader SpineCode = "MISSING_OR_INVALID_HEADER"
	SpineBadRequest             SpineCode = "BAD_REQUEST"
	SpineDeprecated             SpineCode = "DEPRECATED"
	SpineNoLongerSupported      SpineCode = "NO_LONGER_SUPPORTED"
	SpineWithdrawn              SpineCode = "WITHDRAWN"
	SpineNoRecordFound          SpineCode = "NO_RECORD_FOUND"
	SpineMsgResourceIDFail      SpineCode = "MSG_RESOURCE_ID_FAIL"
	SpineASIDCheckFailed        SpineCode = "ASID_CHECK_FAILED"
)

// SpineCodes is the whole of Spine-ErrorOrWarningCode-1 (version 1.7.0, 45
// codes) with the HTTP mapping of the Spine Core error handling page.
var SpineCodes = map[SpineCode]SpineCodeInfo{
	"NO_RECORD_FOUND":              {"No record found", 404, SeverityError, "not-found"},
	"PATIENT_NOT_FOUND":            {"Patient not found", 404, SeverityError, "not-found"},
	"INVALID_NHS_NUMBER":           {"Invalid NHS number", 400, SeverityError, "value"},
	"INVALID_CODE_SYSTEM":          {"Invalid code system", 400, SeverityError, "code-invalid"},
	"INVALID_CODE_VALUE":           {"Invalid code value", 400, SeverityError, "code-invalid"},
	"INVALID_VALUE":                {"An input field has an invalid value for its type", 0, "", ""},
	"INVALID_IDENTIFIER_SYSTEM":    {"Invalid identifier system", 400, SeverityError, "value"},
	"INVALID_IDENTIFIER_VALUE":     {"Invalid identifier value", 400, SeverityError, "value"},
	"CONFLICTING_VALUES":           {"Conflicting values have been specified in different fields", 0, "", ""},
	"INVALID_ELEMENT":              {"Invalid element", 400, SeverityError, "value"},
	"AUTHOR_CREDENTIALS_ERROR":     {"Author credentials error", 401, SeverityFatal, "forbidden"},
	"INVALID_PARAMETER":            {"Invalid parameter", 422, SeverityError, "invalid"},
	"REQUEST_UNMATCHED":            {"Request does not match authorisation token", 400, SeverityError, "invalid"},
	"MESSAGE_NOT_WELL_FORMED":      {"Message not well formed", 400, SeverityError, "structure"},
	"NO_PATIENT_CONSENT":           {"Patient has not provided consent to share data", 403, SeverityError, "forbidden"},
	"NO_ORGANISATIONAL_CONSENT":    {"Organisation has not provided consent to share data", 403, SeverityError, "forbidden"},
	"BAD_REQUEST":                  {"Bad request", 400, SeverityError, "invalid"},
	"INVALID_RESOURCE":             {"Invalid validation of resource", 422, SeverityError, "invalid"},
	"ORGANISATION_NOT_FOUND":       {"Organisation not found", 404, SeverityError, "not-found"},
	"PRACTITIONER_NOT_FOUND":       {"Practitioner not found", 404, SeverityError, "not-found"},
	"PATIENT_SENSITIVE":            {"Patient sensitive", 0, "", ""},
	"NO_RELATIONSHIP":              {"No legitimate relationship exists with this patient", 0, "", ""},
	"FHIR_CONSTRAINT_VIOLATION":    {"FHIR constraint violated", 0, "", ""},
	"FLAG_ALREADY_SET":             {"Flag value was already set", 0, "", ""},
	"INVALID_REQUEST_STATE":        {"The request exists but is not in an appropriate state for the call to succeed", 0, "", ""},
	"INVALID_REQUEST_TYPE":         {"The type of request is not supported by the API call", 0, "", ""},
	"ACCESS DENIED":                {"Access has been denied to process this request", 403, SeverityError, "forbidden"},
	"ASID_CHECK_FAILED":            {"The sender or receiver's ASID is not authorised for this interaction", 403, SeverityError, "forbidden"},
	"MISSING_OR_INVALID_HEADER":    {"There is a required header missing or invalid", 400, SeverityError, "invalid"},
	"ACCESS_DENIED_SSL":            {"SSL Protocol or Cipher requirements not met", 403, SeverityError, "forbidden"},
	"MSG_RESOURCE_ID_FAIL":         {"Client is not permitted to assign an id", 405, SeverityError, "forbidden"},
	"DUPLICATE_REJECTED":           {"Create would lead to creation of a duplicate resource", 422, SeverityError, "duplicate"},
	"RESOURCE_CREATED":             {"New resource created", 201, SeverityInformation, "informational"},
	"RESOURCE_DELETED":             {"Resource removed", 200, SeverityInformation, "informational"},
	"RESOURCE_UPDATED":             {"Resource has been successfully updated", 200, SeverityInformation, "informational"},
	"INVALID_REQUEST_MESSAGE":      {"Invalid request message", 400, SeverityError, "value"},
	"INTERNAL_SERVER_ERROR":        {"Unexpected internal server error", 500, SeverityError, "processing"},
	"INVALID_PATIENT_DEMOGRAPHICS": {"Invalid patient demographics", 400, SeverityError, "business-rule"},
	"NOT_IMPLEMENTED":              {"Not implemented", 501, SeverityError, "not-supported"},
	"REFERENCE_NOT_FOUND":          {"Reference not found", 422, SeverityError, "invalid"},
	"DEPRECATED":                   {"Event message type has been deprecated", 202, SeverityInformation, "informational"},
	"NO_LONGER_SUPPORTED":          {"Event message type is no longer supported", 202, SeverityInformation, "informational"},
	"WITHDRAWN":                    {"Event message type has been withdrawn", 400, SeverityError, "invalid"},
	"UNSUPPORTED_MEDIA_TYPE":       {"Unsupported media type", 415, SeverityError, "not-supported"},
	"PRECONDITION_FAILED":          {"Precondition failed", 0, "", ""},
}

// Info returns the display and HTTP mapping of the code; ok is false for a
// code outside the code system.
func (c SpineCode) Info() (SpineCodeInfo, bool) {
	i, ok := SpineCodes[c]
	return i, ok
}

// Display returns the CodeSystem display of the code, or the code itself
// when it is unknown.
func (c SpineCode) Display() string {
	if i, ok := SpineCodes[c]; ok {
		return i.Display
	}
	return string(c)
}

// Status returns the HTTP status Spine answers with the code; codes without
// a Spine Core mapping answer 400 when they are errors of the request.
func (c SpineCode) Status() int {
	if i, ok := SpineCodes[c]; ok && i.Status != 0 {
		return i.Status
	}
	return 400
}
