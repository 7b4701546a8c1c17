// Package criteria parses and checks the Subscription.criteria string of a
// NEMS subscription (NEMS guide, "Create Subscription" page) and reports, for each
// problem, what NEMS would answer: severity, Spine ErrorOrWarningCode, HTTP
// status, and where in the string the problem is.
//
//	c, findings := criteria.Parse("/Bundle?type=message&serviceType=GP" +
//		"&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9434765919" +
//		"&MessageHeader.event=pds-change-of-address-1")
//	// c.Kind == criteria.KindExplicit, c.NHSNumber == "9434765919"
//	// findings.HasErrors() == false
//
// # Grammar
//
// The string is split at the first '?', then at every '&', then each piece
// at its first '='; names and values are percent-decoded after splitting, so
// %26 and %3D stay inside a value. '+' is not a space: criteria travel in a
// resource body, not an HTML form.
//
//	criteria   = "/Bundle" "?" component { "&" component } ;
//	component  = name [ ":" modifier ] "=" value ;   (* modifiers: always an error *)
//	type       = "type=message" ;                                     (* 1..1 *)
//	service    = "serviceType=" ( "GP" | "CHO" | "UHV" | "EPCHR" ) ;   (* 0..1 *)
//	patient    = "Patient.identifier=http://fhir.nhs.net/Id/nhs-number|" nhsnumber ;
//	event      = "MessageHeader.event=" [ EventType-1-url "|" ] eventcode ;
//	age        = "Patient.age=" ( "lt" | "gt" ) digit { digit } ;     (* 0..2, one of each *)
//	gpreg      = "GPRegistration=" ( "RegisteredOnly" | "UnregisteredOnly" ) ;
//	ruletype   = "subscriptionRuleType=" ( "CHO_POSTCODE_CCG" | "CHO_GP_CCG"
//	           | "GP_GP_GP" | "UHV_POSTCODE_LACODE" | "COUNTRYCODE" ) ;
//	org        = "Organization.identifier=" [ ods-system "|" ] code ;  (* code: [A-Z0-9]+ *)
//	tag        = "tag=" tagchar { tagchar } ;      (* at most 100; tagchar: A-Za-z0-9-_|, *)
//	nhsnumber  = 10 * digit ;                       (* modulus-11 check digit *)
//
//	explicit   = type, patient, event 1..*, [service], [age], [age], [gpreg], [tag]
//	generic    = type, ruletype, org, event 1..1, [service], [age], [age], [gpreg], [tag]
//
// Components may come in any order; a type that is not first is a warning.
//
// # Findings
//
// Every check is a [Rule] with a stable id ("criteria:nhs-number-check-digit");
// [Rules] lists them. Where the guide is silent this package decides:
//
//   - Grammar and cardinality problems (syntax, unknown or repeated
//     components, enumerated values, age form, tag) answer INVALID_PARAMETER,
//     422, issue type invalid: spec 4.3 names it for malformed criteria.
//   - The NHS number answers INVALID_NHS_NUMBER 400 (spec 4.3 names criteria);
//     wrong identifier systems INVALID_IDENTIFIER_SYSTEM 400; malformed ODS
//     or country codes INVALID_IDENTIFIER_VALUE 400; event codes that are
//     unknown, legacy (PDS002) or defined but unsupported (spec 6.12)
//     INVALID_CODE_VALUE 400, and a wrong event system INVALID_CODE_SYSTEM 400.
//   - Life cycle (spec 4.2): a deprecated event type is information,
//     DEPRECATED, 201 (the subscription is created). A no-longer-supported
//     one is an error, NO_LONGER_SUPPORTED, 400, issue type not-supported: the
//     state table says such subscriptions are rejected, so the guide's
//     example of a fatal issue inside a 201 is not followed (section 10
//     item 10); 400 matches WITHDRAWN, which is an error, 400, invalid.
//     No event type is deprecated today, so the states come from
//     [Options].Lifecycle.
//   - Warnings and the percent-encoding and tag-pipe notices are this
//     package's advice: the Spine code is empty and HTTPStatus is 201, because
//     NEMS would create the subscription.
//   - Organization.identifier is required for a generic subscription although
//     the table says 0..1: the text calls it required and every rule type
//     matches against it (section 10 item 13).
//   - GPRegistration with CHO_GP_CCG or GP_GP_GP is a warning: the guide says
//     "should not" (section 10 item 13).
//   - A criteria string with Organization.identifier but neither
//     Patient.identifier nor subscriptionRuleType (the guide's read example,
//     section 10 item 14) is treated as a generic subscription missing its
//     rule type, so several events there are also reported.
//   - An event or organisation value may carry its system in FHIR token form
//     (system|code) when the system is the right one; the guide's examples use
//     bare codes.
//   - Percent-encoded values are decoded (so %7C is '|') and reported once as
//     information, since the guide never says whether NEMS decodes them.
//   - Only the ten event codes of spec 1.5 are accepted; ODS codes must be
//     upper-case letters and digits; their length is checked per rule type as
//     a warning only, because the guide does not define ODS formats (8.2).
//
// Positions are byte offsets into the string given to [Parse] (the decoded
// attribute or JSON string value), plus a 1-based character column; callers
// that know where the value sits in a file add their own line and column.
//
// The NHS number check digit is computed by internal/nhsid, shared with
// event messages and JWTs.
package criteria
