// Package nems is a local NEMS: an HTTP server on NEMS's own paths that
// publishers and subscribers can run their real code against, with the
// state in a Store (SQLite by default) and the matched messages kept as
// MESH deliveries for collection.
//
//	store, _ := nems.OpenSQLite(ctx, dir)
//	srv, _ := nems.New(nems.Options{Store: store})
//	err := nems.Serve(ctx, srv.HTTPServer(addr), listener, 10*time.Second)
//
// Every request on a NEMS path first goes through package
// validate/request, the checker of `nemsfhir request`, with the same
// options: a refusal is exactly the answer that command prints (status,
// Content-Type, Allow, OperationOutcome), so the two cannot disagree. Only
// an accepted request reaches the store.
//
// # DECISIONS
//
// Where the guide is silent (spec/nems.md 7.4-7.7) the server decides:
//
//   - Duplicate (7.7): a subscription with the same channel.endpoint and
//     the same criteria components, in any order, as one that exists is
//     422 DUPLICATE_REJECTED with diagnostics "Subscription already exists
//     : <id>" (no rule id appended: clients parse the id out of it).
//     Options.AllowDuplicates creates it anyway, as a subscription of its
//     own (a mailbox still gets one copy of each event).
//   - Owner (7.5): only the ASID that created a subscription (fromASID,
//     which the checker has compared with the JWT's requesting_system)
//     may read or delete it; another gets 403 "ACCESS DENIED" (the code
//     system's spelling). Options.AnyOwner lifts this.
//   - Activation (7.2): a new subscription is active at once, or after
//     Options.ActivateAfter; until then it reads as "requested" and is not
//     matched. Past its end it reads as "off" and is not matched.
//   - Unknown id (7.5, 7.6): 404 NO_RECORD_FOUND, for read and delete.
//   - Generic subscriptions without Organization.identifier are refused
//     (422): they could never match. Criteria neither explicit nor generic
//     are 501 NOT_IMPLEMENTED (the checker refuses them first anyway).
//   - Matching (1.8, 7.1): by the routing demographics' NHS number and the
//     event type, through indexes only. Patient.age is judged on the
//     routing birth date at the time of publication; GPRegistration on the
//     directory's registered practice; a patient the directory flags S or
//     I gets nothing. A PDS event injected through the admin API updates
//     the directory first, and generic rules match on the record before
//     and after it (6.2: movers in and out). A birth notification (6.1)
//     adds the baby (the Patient the mother's RelatedPerson names) to the
//     directory and leaves the mother's record alone; explicit
//     subscriptions match on the routing NHS number (the mother's, when
//     the registration has it), generic ones on the mother's record and
//     the baby's, the baby judged at its own age and GP registration, so
//     a birth without the mother's NHS number reaches generic
//     subscriptions only.
//   - serviceType (7.3): the guide says it "identifies the service type
//     making the subscription" (GP, CHO, UHV, EPCHR), and no event names a
//     service type it is for, so it describes the subscriber and is not a
//     filter: a subscription matches what it would match without it. The
//     checker still refuses an unknown code, and two subscriptions that
//     differ only in serviceType are not duplicates (one copy still goes
//     to a mailbox both feed). Filtering on it would withhold messages
//     NEMS delivers.
//   - Delivery (1.8): one MESH message per mailbox, whatever the number of
//     subscriptions matched for it; Mex-Partnerid lists "id|tag" of the
//     tagged ones, in creation order, joined by "~~~"; the body is the
//     published bytes; the WorkflowID is that of 1.5; the id has MESH's
//     form (timestamp, "_", six hex digits).
//   - Collection: the MESH API of package internal/mesh, mounted at
//     /messageexchange/ over the same store, guarded by its own tokens
//     (Options.MeshAuth), not by loopback. By default a mailbox exists when
//     a subscription names it or it holds a delivery (its subscriptions
//     deleted since, so that nothing delivered is stranded), with the
//     password "password" and MESH's default shared key. A collected
//     message is marked acknowledged and kept, for the event log.
//   - $validate (HAPI convention): 200 with the OperationOutcome when it
//     has no error, 422 when it has; a body of another type than the path
//     names is an error. Without a mode it judges the resource as a
//     resource (`nemsfhir validate --interaction read`), so a Subscription
//     read back from this server, with id, meta and status active,
//     passes; FHIR's mode=create judges it as the body of POST
//     /STU3/Subscription (no id, no meta.versionId or lastUpdated, status
//     requested), as `nemsfhir validate` does by default. Other modes
//     (update, delete) are 400: NEMS has neither for a body. Headers and
//     JWTs are never judged there: that is `nemsfhir request`'s part. The
//     page's validator judges a pasted Subscription as a create body.
//   - The admin API, under /admin/, and the page at / answer loopback
//     clients only.
//   - Stores: SQLite, one file (OpenSQLite), or PostgreSQL (OpenPostgres),
//     which several instances may share. Each store's schema is a series
//     of numbered migrations embedded from migrations/<store>, applied at
//     start and recorded in a schema_version table.
//   - Exactly once per mailbox, however many instances: an accepted event
//     is first queued in an outbox, claimed by its instance
//     (Options.Instance) for Options.Lease; its matches and deliveries are
//     stored in the one transaction that removes the entry, and only if
//     the claim still holds. Server.Sweep, run by every instance, takes
//     over expired claims (FOR UPDATE SKIP LOCKED on PostgreSQL), so an
//     instance dying between accepting and delivering loses nothing.
//   - Directory: kept in the store, so that what PDS events and the admin
//     API change survives a restart and every instance sees it. The
//     Options.Directory given seeds it only when it differs from the seed
//     last applied.
package nems
