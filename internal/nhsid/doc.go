// Package nhsid checks the formats of the identifiers that NEMS payloads and
// Spine JWTs carry: NHS numbers, ODS organisation and site codes, ASIDs and
// UUIDs, and names the identifier systems they are qualified with.
//
// Every Check function returns nil for a well-formed value or an [*Error]
// that names the kind of identifier, quotes what was found and says what was
// expected. The error wraps one of the sentinel errors ([ErrEmpty],
// [ErrLength], [ErrCharacter], [ErrCase], [ErrCheckDigit], [ErrForm]) so a
// caller can tell the kinds of failure apart with [errors.Is], for example to
// report a letter-case problem as a warning rather than an error.
//
// These checks are offline: NEMS also requires NHS numbers to be verified
// against PDS and ODS codes and ASIDs to be registered with Spine
// (NEMS guide: "Generic Publication API Guidance", "NHS Numbers" and
// "JWT Claims"), which no format check can tell.
//
// # Decisions
//
// The NEMS guide leaves most identifier formats open. These are
// the choices made here, each documented again on the function concerned:
//
//   - NHS number (8.1): exactly ten ASCII digits with a valid modulus 11
//     check digit; a computed check value of 10 makes the number invalid.
//     [CheckNHSNumber] rejects spaces, because NEMS payloads, criteria and
//     JWTs always carry the bare ten digits; [NormalizeNHSNumber] accepts the
//     printed 3-3-4 form ("943 476 5919") for human input only. Test numbers
//     (the 999 range) get the same check and are not rejected;
//     [IsTestNHSNumber] lets callers flag them. No range other than that is
//     treated specially, since the guide allocates none.
//   - ODS codes (8.2): the guide defines no format. An organisation code is 3
//     to 6 upper-case letters or digits and a site code 5 to 9 (the NHS Data
//     Dictionary lengths of ORGANISATION IDENTIFIER and ORGANISATION SITE
//     IDENTIFIER); every code in the example corpus fits. Lower case is
//     reported with [ErrCase].
//   - ASID (8.3): the length is not specified; every ASID in the sources has
//     12 digits, so exactly 12 ASCII digits are required.
//   - UUID (8.4, G05, G21): a bare UUID ([CheckUUID], e.g. MessageHeader.id)
//     is the 8-4-4-4-12 hex form in either case, as RFC 4122 reads it; the
//     urn:uuid: form ([CheckURNUUID], fullUrl and references) must be lower
//     case, as the regex of the FHIR STU3 uuid datatype requires. Version and
//     variant bits are not checked (FHIR does not check them either).
//   - MESH mailbox id (8.4): the guide gives no format (its only example is
//     "Mailbox1234"), so this package has no check for it.
package nhsid
