// Package ucum validates, canonicalises and converts units of the Unified
// Code for Units of Measure (UCUM, http://unitsofmeasure.org), the code
// system of FHIR Quantity codes and of FHIRPath quantity units.
//
// The prefixes, base units and defined units come from the table
// essence.tsv, generated from the official ucum-essence.xml by
// "go generate ./internal/ucum" and embedded in the package.
//
// Magnitudes are exact: every factor of the essence file is a decimal, so
// canonical values are big.Rat. Only the special units whose functions are
// not linear (pH, the logarithmic levels such as B and Np, bit_s, the
// prism diopter, percent of slope and the square root unit) go through
// float64; the temperature scales Cel, [degF] and [degRe] stay exact.
// Homeopathic potencies ([hp'_X] and the like) are valid units but are not
// convertible: UCUM defines no arithmetic for them.
package ucum

//go:generate go run ./gen -o essence.tsv
