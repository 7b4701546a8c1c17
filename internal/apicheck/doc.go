// Package apicheck holds the test that keeps the module's internal types
// out of its public API: code outside the module cannot name or build a
// type from an internal package, so a public function that takes or
// returns one cannot be used.
package apicheck
