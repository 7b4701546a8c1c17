package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

func init() {
	register(&command{
		name:    "request",
		summary: "check a whole NEMS API request (headers, JWT, media types, body) and print NEMS's answer",
		run:     runRequest,
	})
}

func runRequest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("request", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	interaction := fs.String("interaction", "", "publish, subscription-create, subscription-read or subscription-delete (required)")
	headers := fs.StringArrayP("header", "H", nil, "request header 'Name: value' (repeatable)")
	jwt := fs.String("jwt", "", "JWT sent as 'Authorization: Bearer TOKEN'")
	jwtFile := fs.String("jwt-file", "", "`FILE` holding the JWT (a regular file, at most 64 KiB)")
	jwtKey := fs.String("jwt-key", "", "verify the JWT signature with this RSA or EC public key or certificate `FILE` (PEM, DER or JWK, at most 1 MiB); the key's kind fixes the algorithms (RS*/PS* for RSA, the ES* of its curve for EC), and an unsigned token or one of another alg is refused")
	jwtSecret := fs.String("jwt-hmac-secret", "", "verify the JWT signature (HS256/384/512) with the bytes of this `FILE` as a shared secret (32 bytes or more; one trailing newline dropped; at most 1 MiB); an unsigned token is refused")
	now := fs.String("now", "", "judge the JWT at this time (RFC 3339) instead of the clock")
	ignoreTime := fs.Bool("ignore-time", false, "skip the JWT expiry, issued-at and not-before checks")
	audience := fs.String("audience", "", "endpoint the JWT aud claim must name")
	toASID := fs.String("to-asid", "", "ASID of NEMS in the target environment: toASID must equal it")
	path := fs.String("path", "", "request target: path and query, or absolute URL (default: the interaction's path; required for read and delete)")
	method := fs.String("method", "", "HTTP method (default: the interaction's)")
	maxSize := fs.Int64("max-size", validate.DefaultMaxSize, "largest body accepted, in bytes (NEMS refuses bodies over 3 MB); negative for no limit")
	lifecycle := fs.String("lifecycle", "", lifecycleHelp)
	defaults := fs.Bool("defaults", false, "fill fromASID, toASID, InteractionID and Content-Type when not given (see --help)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: nemsfhir request --interaction NAME [flags] [BODY-FILE|-]

Checks one NEMS API request as NEMS would receive it — method and path,
the fromASID, toASID and InteractionID headers, the Authorization JWT,
Content-Type, Accept and _format, the body size, and the body itself — and
prints the status line NEMS would answer, the response headers that follow,
and the OperationOutcome (Spine shape, in the negotiated media type: XML
unless Accept, _format or a JSON Content-Type ask for JSON). Every problem
is reported, not only the one that decides the status.

Missing headers are reported, not invented. --defaults fills, only where
absent: fromASID (the ASID of the JWT's requesting_system, else %s),
toASID (--to-asid, else the placeholder %s), InteractionID (for publish,
from the body's MessageHeader event code) and Content-Type (from the body's
syntax).

JWT signatures: Spine tokens are unsigned (alg "none"), so without a key no
signature is checked. --jwt-key FILE names a public key or certificate, and
only the algorithms of that kind of key are accepted, whatever the token's
header says; --jwt-hmac-secret FILE names a shared secret. With either, an
unsigned or wrongly signed token is refused. A key file that is not a
usable public key is a usage error: it is never taken as a secret.

Files are read only when they are regular files (a FIFO or a device is
refused). The body is read up to --max-size plus one byte, so a larger one
is refused as NEMS would without reading the rest; with no limit, at most
%d MiB is read.

Examples:
  nemsfhir request --interaction publish --defaults --jwt-file token.txt message.xml
  nemsfhir request --interaction subscription-read -H 'fromASID: 200000000205' \
      -H 'toASID: 928942012545' -H 'Accept: application/fhir+json' --jwt "$JWT" \
      -H 'InteractionID: urn:nhs:names:services:clinicals-sync:SubscriptionsApiGet' \
      --path /STU3/Subscription/ea0a485187204b49b978bdcf7102388c

Exit status: 0 when NEMS would accept the request (2xx), 1 when it would
refuse it, 2 on a usage error or an unreadable file.

Flags:
`, request.DefaultFromASID, request.DefaultToASID, validate.MaxReadSize>>20)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		return usageError(stderr, "request", format, a...)
	}
	if *interaction == "" {
		return fail("--interaction is required (publish, subscription-create, subscription-read, subscription-delete)")
	}
	in, err := request.ParseInteraction(*interaction)
	if err != nil {
		return fail("%v", err)
	}
	if fs.NArg() > 1 {
		return fail("give at most one BODY-FILE (or - for standard input)")
	}
	if *path == "" && (in == request.SubscriptionRead || in == request.SubscriptionDelete) {
		return fail("%s needs --path %s/<logical id>", in, request.PathSubscription)
	}

	req := &request.Request{Interaction: in, Method: *method, Target: *path, Header: http.Header{}}
	for _, h := range *headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fail("header %q is not of the form 'Name: value'", h)
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	if *jwt != "" && *jwtFile != "" {
		return fail("give --jwt or --jwt-file, not both")
	}
	token := *jwt
	if *jwtFile != "" {
		b, err := readSmallFile(*jwtFile, maxJWTFile)
		if err != nil {
			return fail("--jwt-file %v", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token != "" {
		for k := range req.Header {
			if strings.EqualFold(k, request.HeaderAuthorization) {
				return fail("give the JWT with --jwt/--jwt-file or an Authorization header, not both")
			}
		}
		req.Header.Set(request.HeaderAuthorization, "Bearer "+token)
	}
	if *maxSize == 0 {
		// The library reads 0 as "the default"; refuse it rather than
		// guess what was meant.
		return fail("--max-size must be positive, or negative for no limit")
	}
	if fs.NArg() == 1 {
		if err := readRequestBody(req, fs.Arg(0), stdin, *maxSize); err != nil {
			return fail("%v", err)
		}
	}
	if *defaults {
		request.FillDefaults(req, *toASID)
	}

	opts := request.Options{MaxSize: *maxSize, Audience: *audience, ToASID: *toASID, IgnoreTime: *ignoreTime}
	if *lifecycle != "" {
		if opts.Lifecycle, err = loadLifecycle(*lifecycle); err != nil {
			return fail("--lifecycle %v", err)
		}
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return fail("--now %q: expected an RFC 3339 time such as 2025-03-01T10:00:00Z", *now)
		}
		opts.Now = func() time.Time { return t }
	}
	switch {
	case *jwtKey != "" && *jwtSecret != "":
		return fail("give --jwt-key or --jwt-hmac-secret, not both")
	case *jwtKey != "":
		b, err := readSmallFile(*jwtKey, maxKeyFile)
		if err != nil {
			return fail("--jwt-key %v", err)
		}
		if opts.Key, err = request.ParseJWTKey(b); err != nil {
			return fail("--jwt-key %s: %v (a shared HMAC secret is given with --jwt-hmac-secret)", *jwtKey, err)
		}
	case *jwtSecret != "":
		b, err := readSmallFile(*jwtSecret, maxKeyFile)
		if err != nil {
			return fail("--jwt-hmac-secret %v", err)
		}
		// Editors end a file with a newline that is not part of the secret.
		b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
		if opts.Key, err = request.NewJWTHMACSecret(b); err != nil {
			return fail("--jwt-hmac-secret %s: %v", *jwtSecret, err)
		}
	}
	c, err := request.New(opts)
	if err != nil {
		return fail("%v", err)
	}
	resp := c.Check(req)

	var out bytes.Buffer
	out.WriteString(resp.StatusLine() + "\n")
	for _, name := range []string{"Content-Type", "Allow"} {
		if v := resp.Header.Get(name); v != "" {
			fmt.Fprintf(&out, "%s: %s\n", name, v)
		}
	}
	if body := resp.Body(); body != nil {
		out.WriteString("\n")
		out.Write(body)
	}
	stdout.Write(out.Bytes())
	if resp.Accepted() {
		return exitOK
	}
	return exitInvalid
}

// Bounds of the small files request reads: a JWT is at most
// spinejwt.MaxTokenSize (16 KiB) and a key or certificate a few KiB.
const (
	maxJWTFile = 64 << 10
	maxKeyFile = 1 << 20
)

// readRequestBody reads the body from a regular file or, for "-", from
// stdin, buffering at most the size limit plus one byte. A body over the
// limit is kept cut short and marked so, and the size check refuses it
// as NEMS would; with no limit, or one above validate.MaxReadSize, a body over it
// is an error.
func readRequestBody(req *request.Request, name string, stdin io.Reader, maxSize int64) error {
	r := stdin
	if name != "-" {
		f, _, err := openRegular(name)
		if err != nil {
			return notReadable(name, err)
		}
		defer f.Close()
		r = f
	}
	bound := int64(validate.MaxReadSize)
	if maxSize > 0 && maxSize < bound {
		bound = maxSize
	}
	body, over, err := request.ReadBody(r, bound)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if over && bound != maxSize {
		return fmt.Errorf("%s: larger than %s, the most request reads", name, sizeText(bound))
	}
	req.Body, req.BodyTruncated = body, over
	return nil
}
