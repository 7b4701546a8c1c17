// Package spinejwt decodes the JSON Web Tokens that Spine clients send in
// the Authorization header of NEMS requests and checks their claims against
// the NEMS rules ("JWT Claims" of the guide's generic publication and
// subscription API pages) and those of the Spine Core JWT page.
//
// [Decode] reads a compact token, unsecured (alg "none", empty signature, as
// Spine clients build them) or signed, and never verifies the signature. A
// caller that holds a key makes a [Key] ([ParsePublicKey] for a PEM, DER or
// JWK public key or certificate, [NewPublicKey], or [NewHMACSecret] for a
// shared secret) and calls [Token.Verify], which accepts only the
// algorithms of that kind of key and checks the signature with go-jose.
// Decoding fails with a [*DecodeError] that says which part is wrong
// and how; it does not panic on any input.
//
// [CheckClaims] applies the claim rules for one interaction and returns
// [Finding] values, each an issue with a rule id ("jwt:scope", ...), a
// severity, the Spine ErrorOrWarning code and FHIR issue type, and a message
// that says what was found and what was expected. [CheckAuthorization] does
// the whole job from the header value.
//
// # DECISIONS
//
// Where the specification is silent or contradicts itself, this package
// decides as follows (section numbers as in profiles/traceability.tsv;
// profiles.GuideSource names the NEMS guide pages behind each):
//
//   - Spine code (3.2, 4.3). Every finding carries MISSING_OR_INVALID_HEADER,
//     HTTP 400, issue type "structure": Spine Core states this for JWT
//     validation failures. That includes an invalid NHS number in
//     requesting_patient, for which 4.3 suggests INVALID_NHS_NUMBER only as
//     an inference, and a signature that fails to verify, which Spine does
//     not describe at all (Spine tokens are unsigned).
//   - Warnings. Forms that one source allows and another does not are
//     warnings, not errors; a warning's code and status are what Spine would
//     answer if it enforced the rule.
//   - Scope per interaction (3.1, 10 item 9). The guide allows
//     patient/Subscription.read or .write without saying which call needs
//     which: read needs .read, create and delete need .write. The scope claim
//     is a space-separated list (3.2), so the required scope must be one of
//     its entries; other entries are allowed, as Spine's "required scopes not
//     found" message implies.
//   - sub (3.1). NEMS's rule is used: sub equals requesting_user when that
//     claim is present, otherwise requesting_system, compared as exact
//     strings. Spine Core's third option (sub equal to requesting_patient) is
//     not accepted, since NEMS names only the other two.
//   - Identifier forms (3.2, 3.3). requesting_system, requesting_organisation
//     and requesting_patient are expected as "<system>|<value>". A bare value
//     (NEMS says only "the ASID" / "the ODS code") and the "<system>/<value>"
//     form of one Spine Core page are accepted with a warning; a different
//     system is an error. requesting_patient with the message system
//     https://fhir.nhs.uk/Id/nhs-number instead of http://fhir.nhs.net/Id/
//     nhs-number draws a warning (10 item 15). requesting_user without a
//     system draws a warning; with a system that is not a URI, an error.
//   - requesting_organisation spelling (3.1, 3.3, 10 item 8). NEMS requires
//     the "s" spelling. A token with only requesting_organization ("z",
//     Spine Core's claim table) gets a warning and its value is checked in
//     its place; a token with both spellings and different values gets an
//     error.
//   - fromASID (1.6). When [Request].FromASID is empty the comparison is
//     skipped; the header itself is checked elsewhere.
//   - Registration. Whether the ASID and ODS code are registered with Spine
//     and associated with each other (3.1) cannot be known offline and is
//     not checked; their formats are checked with package nhsid.
//   - iss and aud (3.3). Both are mandatory (Spine Core) and must be
//     absolute URIs; no particular issuer is required. aud may be a string or
//     an array of strings (RFC 7519); it is compared with
//     [Request].Audience, ignoring a trailing "/", only when that is set.
//   - exp and iat (3.3). Both are mandatory. The token is expired at and
//     after exp (RFC 7519); iat may not be later than now; exp must be after
//     iat. [Request].Leeway widens both windows and [Request].IgnoreTime
//     skips them. A lifetime over five minutes (Spine Core's "now + 5
//     minutes") and non-integer seconds are warnings.
//   - nbf. Spine does not use it, but a token that carries it is refused
//     before that time (RFC 7519 4.1.5), with the same clock, Leeway and
//     IgnoreTime as exp and iat; it must be a number when present.
//   - Signatures. Spine tokens are unsigned, so without a key none is
//     checked. With a key, the key's kind fixes the algorithms (RS* and PS*
//     for RSA of at least 2048 bits, the ES* of the curve for EC, HS* for
//     an HMAC secret of at least 32 bytes); the token's alg must be one of
//     them and an unsecured token is refused. A public key is never used as
//     an HMAC secret.
//   - reason_for_request (3.2, 3.3). Mandatory, one of directcare,
//     secondaryuses, patientaccess, matched exactly. NEMS does not restrict
//     it further.
//   - requesting_patient (3.1) is checked for every interaction when present,
//     including publish, whose claim table does not mention it.
//   - Token form. Decoding is strict: exactly three parts, unpadded base64url,
//     JSON objects without repeated member names (a repeat could let two
//     readers see different claims), no "crit" header, an empty signature if
//     and only if alg is "none", at most [MaxTokenSize] bytes.
package spinejwt
