package validate

import "github.com/nemsfhir/nemsfhir/validate/issue"

// SpineSystem is the code system of the Spine ErrorOrWarning codes that
// NEMS puts in OperationOutcome.issue.details.
const SpineSystem = issue.SpineSystem

// SpineCode is a code of Spine-ErrorOrWarningCode-1 ([issue.SpineCode]).
type SpineCode = issue.SpineCode

// The Spine codes nemsfhir emits itself; [issue.SpineCodes] holds the whole
// code system.
const (
	SpineInvalidResource        = issue.SpineInvalidResource
	SpineMessageNotWellFormed   = issue.SpineMessageNotWellFormed
	SpineInvalidNHSNumber       = issue.SpineInvalidNHSNumber
	SpineInvalidCodeSystem      = issue.SpineInvalidCodeSystem
	SpineInvalidCodeValue       = issue.SpineInvalidCodeValue
	SpineInvalidIdentifierSys   = issue.SpineInvalidIdentifierSys
	SpineInvalidIdentifierValue = issue.SpineInvalidIdentifierValue
	SpineInvalidElement         = issue.SpineInvalidElement
	SpineInvalidParameter       = issue.SpineInvalidParameter
	SpineReferenceNotFound      = issue.SpineReferenceNotFound
	SpineUnsupportedMediaType   = issue.SpineUnsupportedMediaType
	SpineMissingOrInvalidHeader = issue.SpineMissingOrInvalidHeader
	SpineBadRequest             = issue.SpineBadRequest
	SpineDeprecated             = issue.SpineDeprecated
	SpineNoLongerSupported      = issue.SpineNoLongerSupported
	SpineWithdrawn              = issue.SpineWithdrawn
)
