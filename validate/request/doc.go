// Package request checks whole NEMS API requests — interaction, method,
// path, headers, JWT, media types and body — and says what NEMS would
// answer: the HTTP status, and an OperationOutcome in the Spine shape with
// the Spine ErrorOrWarning code of each problem, plus the life-cycle notices
// NEMS adds to accepted calls.
//
//	c, _ := request.New(request.Options{})
//	resp := c.Check(&request.Request{
//		Interaction: request.SubscriptionCreate,
//		Method:      "POST",
//		Target:      "/STU3/Subscription",
//		Header:      h, // fromASID, toASID, InteractionID, Authorization, Content-Type
//		Body:        subscriptionXML,
//	})
//	fmt.Println(resp.StatusLine()) // HTTP/1.1 201 Created
//	os.Stdout.Write(resp.Body())   // nil when there is nothing to say
//
// The four interactions are those of the NEMS guide's "Publish an Event
// Message" and subscription pages: publish (POST
// /STU3/Events/1/$process-message), and create (POST /STU3/Subscription),
// read (GET /STU3/Subscription/<id>) and delete (DELETE
// /STU3/Subscription/<id>) of a subscription. Bodies are validated by
// package validate; the JWT is checked by package internal/spinejwt with the
// clock of Options.Now. JWT signatures are not checked unless Options.Key
// is set: Spine clients send unsigned tokens (spec 3.2).
//
// Every stage runs on every request, so that one check reports every
// problem; the status is that of the first error in stage order, which is
// where NEMS would stop. Findings keep their rule ids: "request:..." for
// this package, "jwt:..." for the token, and the rule ids of package
// validate for the body.
//
// # DECISIONS
//
// The guide says little about how NEMS refuses a request (spec 1.7, 4.4).
// Where it is silent or contradicts itself this package decides as follows
// (section numbers as in profiles/traceability.tsv; profiles.GuideSource
// names the NEMS guide pages behind each):
//
//   - Stage order (1.7, 4.4: not specified). Size, then routing (method and
//     path), then the Spine headers (fromASID, toASID, InteractionID), then
//     the JWT, then media types, then the body. A proxy refuses an
//     oversized body before it routes; Spine needs the InteractionID before
//     it can judge the rest.
//   - Size (1.8, 4.3). A body over 3 MB (Options.MaxSize) is refused before
//     it is parsed with 413 Payload Too Large, the HTTP status for exactly
//     this, and the Spine code BAD_REQUEST (issue type too-costly): the code
//     system has no code for size. The guide states the limit for event
//     messages; it is applied to subscription bodies too. A body read from
//     a stream is read only up to the limit plus one byte (ReadBody); when
//     there was more, Request.BodyTruncated marks it and it is refused the
//     same way, without the rest being read.
//   - Routing (1.4, 4.3). The path must be the interaction's, below the
//     Spine base /STU3; the host of an absolute URL is not checked (two
//     publish hosts appear in the guide, 10 item 1). A path that is not the
//     interaction's is 404 with NO_RECORD_FOUND; read or delete without an
//     id is 400 BAD_REQUEST; a method the path does not serve is 405
//     (Spine Core: unsupported verb) with BAD_REQUEST (4.3 names it for a
//     wrong verb) and an Allow header. PUT and PATCH get 405 too, not 501:
//     the guide says there is no update (7.7). Methods are case-sensitive.
//     A method the path serves but that belongs to another interaction
//     (DELETE sent for a read) is 400 BAD_REQUEST, naming the call it is.
//   - Subscription id (7.4). 32 hexadecimal digits, as in the NEMS
//     examples, or a hyphenated UUID, as on Spine Core pages; either case.
//     Another id is 404 NO_RECORD_FOUND, since no subscription can have it.
//   - Headers (1.6, 4.3). fromASID, toASID and InteractionID are matched
//     without regard to case of the name. Missing, empty, repeated or
//     malformed (ASID: twelve digits, package nhsid) is 400
//     MISSING_OR_INVALID_HEADER. A well-formed toASID that differs from
//     Options.ToASID is 403 ASID_CHECK_FAILED ("receiver's ASID is not
//     authorised"); without that option only the format is checked, as the
//     guide publishes no NEMS ASID.
//   - InteractionID (1.4, 1.5, 10 item 4). Compared exactly. An
//     InteractionID of another interaction, a wrongly cased one, the
//     pre-2.3.0 form that used the EventType code, a PDS event, or an event
//     code that does not match the message's MessageHeader.event is 400
//     MISSING_OR_INVALID_HEADER, with a message naming the right value.
//     The publish InteractionID is urn:nhs:names:services:events:
//     <Event_Code>.Write with the capitalised code of 1.5 (not the
//     clinicals-sync form of the subscription calls).
//   - Publishing a PDS event (1.2, 1.5). Refused with 400
//     INVALID_CODE_VALUE, the code 4.3 gives for an event code NEMS does not
//     take; Spine publishes those events itself.
//   - JWT (3.3, 10 items 8 and 9). Decided by package internal/spinejwt
//     (see its DECISIONS); every refusal is 400 MISSING_OR_INVALID_HEADER.
//     Its warnings (bare or "/"-separated identifiers, the "z" spelling of
//     requesting_organization, long lifetimes) are kept as warnings. The
//     JWT's requesting_system is compared with fromASID only when the
//     header is well formed, so that one mistake is reported once.
//   - Media types (2.1–2.3, 10 item 7). Content-Type is read with package
//     transform for publish and create; none means the NEMS default,
//     application/xml+fhir;charset=utf-8. Accept and _format are read for
//     every call; _format wins. Any unsupported, malformed or repeated
//     value, including JSON for publish and an Accept that leaves nothing
//     acceptable, is 415 UNSUPPORTED_MEDIA_TYPE, as Spine's proxy and NRL
//     answer (2.3); 406 is not used. The response is in the negotiated
//     type; with no Accept and no _format it is in the request's
//     Content-Type (Spine Core, 2.3), and otherwise the NEMS default (XML),
//     not Spine Core's JSON. A refusal of Accept is rendered in that
//     default too.
//   - Body format (2). A body whose syntax (sniffed from its first
//     character) is not the format its Content-Type names — XML sent as
//     JSON, or JSON sent with no Content-Type — is 400
//     MESSAGE_NOT_WELL_FORMED: NEMS parses by the Content-Type and fails.
//     The body is still validated in its real format, to report more.
//   - Body (4.3, 7.2). No body on publish or create is 400 BAD_REQUEST; a
//     body on read or delete is a warning (NEMS ignores it). Body issues
//     keep the Spine code package validate gives them, and the status is
//     that code's (422 INVALID_RESOURCE, 400 MESSAGE_NOT_WELL_FORMED, 400
//     INVALID_NHS_NUMBER, ...); an error without a code becomes
//     INVALID_RESOURCE. When part of the body cannot be parsed, its
//     MESSAGE_NOT_WELL_FORMED decides, ahead of what the readable part
//     shows; otherwise the first error in the validator's order decides. A body that is not an event message (publish) or a
//     Subscription (create) is 422 INVALID_RESOURCE.
//   - Client-assigned id on create (7.2, 4.3). Subscription.id is 405
//     MSG_RESOURCE_ID_FAIL, unless the payload rules already report it.
//     meta.versionId and meta.lastUpdated, which the guide also forbids
//     on create but no code names, are 422 INVALID_RESOURCE.
//   - Life cycle (4.2, 10 item 10). From Options.Lifecycle (no event type is
//     deprecated in guide 2.15.0). Publish: DEPRECATED and
//     NO_LONGER_SUPPORTED are information in a 202; WITHDRAWN is 400.
//     Create: DEPRECATED is information in a 201; NO_LONGER_SUPPORTED and
//     WITHDRAWN are 400 errors, following the state table rather than the
//     guide's example of a fatal issue inside a 201. One notice per event
//     type, skipped when the payload rules already gave one.
//   - Outcome. Response.Outcome holds every finding, warnings included, in
//     the Spine shape of package validate; NEMS itself would send only the
//     refusal or the life-cycle notices. A successful read is 200 with no
//     outcome: the Subscription it would return is not known here.
package request
