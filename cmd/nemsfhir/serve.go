package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "run a local NEMS: publish, subscribe and $validate over HTTP, state in SQLite or PostgreSQL",
		run:     runServe,
	})
}

// shutdownGrace is how long requests in flight may take to finish once
// SIGTERM or SIGINT arrives.
const shutdownGrace = 10 * time.Second

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "`ADDR` to listen on (host:port; loopback by default)")
	data := fs.String("data", "nemsfhir-data", "`DIR` holding the SQLite database "+nems.DatabaseFile+" (created when missing) when no --store is given")
	storeURL := fs.String("store", "", "keep state in the PostgreSQL database at this `URL` (postgres://user@host/db or postgres:///db?host=/socket/dir) instead of SQLite under --data; several instances may share it; at most 16 connections per instance unless the URL sets pool_max_conns")
	baseURL := fs.String("base-url", "", "absolute base of Location headers (default: http:// and the request's Host)")
	activate := fs.Duration("activate-after", 0, "how long a new subscription stays 'requested' before it is 'active' and matched")
	anyOwner := fs.Bool("any-owner", false, "let any ASID read and delete any subscription (default: only the ASID that created it)")
	allowDuplicates := fs.Bool("allow-duplicates", false, "create a subscription with the same mailbox and criteria as an existing one (default: 422 DUPLICATE_REJECTED naming the existing id)")
	meshFrom := fs.String("mesh-from", nems.DefaultMeshFrom, "MESH mailbox id deliveries are sent from")
	toASID := fs.String("to-asid", "", "ASID of this NEMS: toASID must equal it (default: only its format is checked)")
	audience := fs.String("audience", "", "endpoint the JWT aud claim must name")
	lifecycle := fs.String("lifecycle", "", lifecycleHelp)
	maxSize := fs.Int64("max-size", validate.DefaultMaxSize, "largest body accepted, in bytes (NEMS: 3 MB)")
	directory := fs.String("directory", "", "JSON `FILE` of patients (NHS number, GP, postcode, S/I flags), postcodes (local authority, ICB sub-location, country) and practices (ICB sub-location) that generic subscriptions are matched by, kept in the store with what PDS events change; a file (or the sample) replaces the stored directory only when it differs from the one last applied (default: a small sample around the guide's example codes)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate `FILE` (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key `FILE` of --tls-cert")
	clientCA := fs.String("client-ca", "", "require client certificates issued by a CA of this PEM `FILE` (mutual TLS, as NEMS uses); needs --tls-cert")
	meshMailboxes := fs.String("mesh-mailboxes", "", "MESH mailboxes that may collect: `FILE` of lines \"MAILBOX PASSWORD\" (# comments); without it, every mailbox named by a subscription may, with --mesh-password")
	meshPassword := fs.String("mesh-password", mesh.DefaultPassword, "password of every MESH mailbox when no --mesh-mailboxes file is given")
	meshSharedKey := fs.String("mesh-shared-key", mesh.DefaultSharedKey, "shared key of the MESH tokens' HMAC (default: the one NHS England's MESH client uses when none is configured)")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines rather than text")
	lease := fs.Duration("claim-lease", nems.DefaultLease, "how long an instance's claim on an accepted event lasts before another instance on the same store delivers it (an instance that died between accepting and delivering)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: nemsfhir serve [--listen ADDR] [--data DIR] [flags]

Runs a local NEMS on NEMS's own paths:
  POST   %s
  POST   %s
  GET    %s/{id}
  DELETE %s/{id}
  POST   /STU3/{type}/$validate[?mode=create]
  GET    /healthz
the MESH API under /messageexchange/ for collecting what was delivered
(handshake, count, inbox, retrieve, acknowledge; NHSMESH tokens checked),
and, for loopback clients only, a web page at / and an admin API under
/admin/ (inject events, PDS ones included; event log; directory; reset).
Every NEMS request is checked exactly as 'nemsfhir request' checks it, and a
refusal is the answer that command prints. Accepted subscriptions and events
are kept in SQLite under --data, or with --store in PostgreSQL, which
several instances may share; each event is matched to the explicit
and generic subscriptions for its patient and event type (generic ones
through the --directory of patients and areas), and one copy per MESH
mailbox is stored for collection.

Logs go to standard error. SIGTERM or SIGINT stops the server gracefully.

Flags:
`, request.PathPublish, request.PathSubscription, request.PathSubscription, request.PathSubscription)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nemsfhir serve: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if *lease < time.Second {
		return fail("--claim-lease must be at least 1s: shorter, a slow instance loses events it is delivering to another")
	}
	if *maxSize <= 0 {
		return fail("--max-size must be positive: a server bounds every body")
	}
	reqOpts := request.Options{MaxSize: *maxSize, ToASID: *toASID, Audience: *audience}
	if *lifecycle != "" {
		var err error
		if reqOpts.Lifecycle, err = loadLifecycle(*lifecycle); err != nil {
			return fail("--lifecycle %v", err)
		}
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(h)
	dir := nems.SampleDirectory()
	if *directory != "" {
		f, _, err := openRegular(*directory)
		if err != nil {
			return fail("--directory %v", notReadable(*directory, err))
		}
		dir, err = nems.LoadDirectory(f, *directory)
		f.Close()
		if err != nil {
			return fail("--directory %v", err)
		}
	}

	meshOpts := mesh.AuthOptions{SharedKey: []byte(*meshSharedKey)}
	switch {
	case *meshSharedKey == "":
		return fail("--mesh-shared-key must not be empty")
	case *meshMailboxes != "" && fs.Changed("mesh-password"):
		return fail("--mesh-password is every mailbox's password when no --mesh-mailboxes file is given; the file gives each mailbox its own")
	case *meshMailboxes != "":
		boxes, err := mesh.LoadMailboxes(*meshMailboxes)
		if err != nil {
			return fail("--mesh-mailboxes %v", err)
		}
		meshOpts.Mailboxes = boxes
	case *meshPassword == "":
		return fail("--mesh-password must not be empty")
	default:
		meshOpts.DefaultPassword = *meshPassword
	}

	var tlsConfig *tls.Config
	switch {
	case *tlsCert != "" || *tlsKey != "":
		var err error
		if tlsConfig, err = nems.TLSConfig(*tlsCert, *tlsKey, *clientCA); err != nil {
			return fail("%v", err)
		}
	case *clientCA != "":
		return fail("--client-ca needs --tls-cert and --tls-key")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var store nems.Store
	where := *data
	switch {
	case *storeURL == "":
		st, err := nems.OpenSQLite(ctx, *data)
		if err != nil {
			return fail("%v", err)
		}
		store = st
	case !nems.IsPostgresURL(*storeURL):
		return fail("--store %q: expected a postgres:// or postgresql:// URL (without --store, state is kept in SQLite under --data)", *storeURL)
	case fs.Changed("data"):
		return fail("--data is where SQLite keeps state; with --store the state is in PostgreSQL: give one of them")
	default:
		st, err := nems.OpenPostgres(ctx, *storeURL)
		if err != nil {
			return fail("--store %v", err)
		}
		store = st
		where = nems.RedactURL(*storeURL)
	}
	defer store.Close()
	if meshOpts.Mailboxes == nil {
		// Every mailbox a subscription names (or that holds a delivery).
		meshOpts.MailboxExists = store.MailboxExists
	}
	meshAuth, err := mesh.NewAuth(meshOpts)
	if err != nil {
		return fail("%v", err)
	}
	srv, err := nems.New(nems.Options{
		Store:           store,
		Request:         reqOpts,
		Logger:          logger,
		BaseURL:         *baseURL,
		ActivateAfter:   *activate,
		AnyOwner:        *anyOwner,
		AllowDuplicates: *allowDuplicates,
		MeshFrom:        *meshFrom,
		Directory:       dir,
		MeshAuth:        meshAuth,
		Lease:           *lease,
	})
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail("--listen %s: %v", *listen, err)
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	meshBoxes := "named by subscriptions"
	if meshOpts.Mailboxes != nil {
		meshBoxes = fmt.Sprintf("%d from %s", len(meshOpts.Mailboxes), *meshMailboxes)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "store", where, "tls", tlsConfig != nil, "clientCertificates", *clientCA != "",
		"meshMailboxes", meshBoxes)
	// Deliver what an instance on the store (this one before a restart,
	// or another) accepted and did not deliver before its claim expired.
	go srv.Sweep(ctx)
	if err := nems.Serve(ctx, srv.HTTPServer(*listen), ln, shutdownGrace); err != nil {
		logger.Error("server stopped", "error", err.Error())
		return exitInvalid
	}
	logger.Info("stopped")
	return exitOK
}
