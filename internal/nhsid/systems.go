package nhsid

import "strings"

// Identifier systems and address prefixes used by NEMS (the guide's generic
// event message requirements and event pages, and the Spine Core JWT page).
const (
	// SystemNHSNumber qualifies NHS numbers inside event messages.
	SystemNHSNumber = "https://fhir.nhs.uk/Id/nhs-number"
	// SystemNHSNumberSpine qualifies NHS numbers in subscription criteria and
	// in the JWT requesting_patient claim; it differs from SystemNHSNumber
	// (a difference between the NEMS guide and Spine Core).
	SystemNHSNumberSpine = "http://fhir.nhs.net/Id/nhs-number"
	// SystemODSOrganisation qualifies ODS organisation codes (the URL keeps
	// the American spelling).
	SystemODSOrganisation = "https://fhir.nhs.uk/Id/ods-organization-code"
	// SystemODSSite qualifies ODS site codes.
	SystemODSSite = "https://fhir.nhs.uk/Id/ods-site-code"
	// SystemSDSRoleProfile qualifies SDS role profile ids (JWT requesting_user).
	SystemSDSRoleProfile = "https://fhir.nhs.uk/Id/sds-role-profile-id"
	// SystemASID qualifies ASIDs in the JWT requesting_system claim.
	SystemASID = "https://fhir.nhs.uk/Id/accredited-system"
	// SystemLocalPatient qualifies local patient identifiers.
	SystemLocalPatient = "https://fhir.nhs.uk/Id/local-patient-identifier"

	// ODSOrganizationURLPrefix starts the ODS API address of an
	// organisation, as in Subscription.contact.value; the ODS code follows.
	ODSOrganizationURLPrefix = "https://directory.spineservices.nhs.uk/STU3/Organization/"
	// ASIDAddressPrefix starts an ASID written as an address, as in
	// MessageHeader.source.endpoint; the ASID follows.
	ASIDAddressPrefix = "urn:nhs:addressing:asid:"
	// URNUUIDPrefix starts a UUID written as a URI (Bundle.entry.fullUrl).
	URNUUIDPrefix = "urn:uuid:"
)

// SplitToken splits an identifier written as "<system>|<value>", the token
// form of FHIR search parameters and Spine JWT claims. It reports false when
// s holds no "|"; either part may then still be empty, which callers check.
func SplitToken(s string) (system, value string, ok bool) {
	return strings.Cut(s, "|")
}
