// Command nemsload measures `nemsfhir serve` under load on this machine:
// it seeds a subscription base (explicit by NHS number, generic by GP
// practice and by local authority) and a patient and postcode directory,
// starts one or more instances on loopback over one store (SQLite, or
// PostgreSQL: a throwaway cluster or the database -postgres names),
// publishes from N concurrent publishers
// round the instances, collects a probe mailbox over the MESH API, and
// reports accepted publishes per second, publish latency percentiles,
// publish-to-mailbox latency, whether every matched copy was delivered,
// and each instance's peak RSS. It is bounded in count (-publishes) and
// time (-duration), and stops by itself.
//
//	go run ./bench/nemsload -store postgres -instances 1 -subscriptions 100000
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/internal/pgtest"
)

type config struct {
	nemsfhir, store, postgres, event string
	instances, subscriptions         int
	generic                          float64
	patients, mailboxes, practices   int
	postcodes, authorities           int
	publishers, publishes            int
	duration                         time.Duration
	probeEvery                       int
}

const (
	fromASID     = "200000000205"
	eventNHS     = "9434765919"
	bundleID     = "0b3a5c52-4d7e-4c1e-9d55-6f0a1e7b2c01"
	bundlePrefix = "0b3a5c52-4d7e-4c1e-9d55-"
	probeMailbox = "PROBE000001"
	eventType    = "vaccinations-1"
)

var eventTypes = []string{"vaccinations-1", "newborn-hearing-1", "pds-change-of-address-1", "blood-spot-test-outcome-1"}

func main() {
	var c config
	flag.StringVar(&c.nemsfhir, "nemsfhir", "", "nemsfhir binary to run (default: go build ./cmd/nemsfhir into a temporary folder)")
	flag.StringVar(&c.store, "store", "sqlite", "sqlite or postgres")
	flag.StringVar(&c.postgres, "postgres", "", "with -store postgres: a server URL (a database is created on it and dropped); default a throwaway cluster with fsync on")
	flag.StringVar(&c.event, "event", "validate/request/testdata/publish.xml", "the vaccinations-1 event published, its NHS number and Bundle.id replaced each time")
	flag.IntVar(&c.instances, "instances", 1, "nemsfhir serve instances on the one store")
	flag.IntVar(&c.subscriptions, "subscriptions", 100000, "subscriptions seeded")
	flag.Float64Var(&c.generic, "generic", 0.2, "share of the subscriptions that are generic: half GP_GP_GP by practice, half UHV_POSTCODE_LACODE by the local authority of the home postcode")
	flag.IntVar(&c.patients, "patients", 50000, "patients in the directory, published about at random")
	flag.IntVar(&c.mailboxes, "mailboxes", 1000, "MESH mailboxes the subscriptions deliver to")
	flag.IntVar(&c.practices, "practices", 2000, "GP practices the patients are registered with")
	flag.IntVar(&c.postcodes, "postcodes", 5000, "home postcodes of the patients")
	flag.IntVar(&c.authorities, "authorities", 300, "local authorities the postcodes lie in")
	flag.IntVar(&c.publishers, "publishers", 16, "concurrent publishers")
	flag.IntVar(&c.publishes, "publishes", 20000, "publishes at most")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "publishing time at most")
	flag.IntVar(&c.probeEvery, "probe-every", 20, "every Nth publish is about the probe patient, whose mailbox is collected over MESH to time publish-to-mailbox")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "nemsload:", err)
		os.Exit(1)
	}
}

// nhsNumber is the i-th valid NHS number from 9000000000 (modulus 11).
func nhsNumbers(n int) []string {
	out := make([]string, 0, n)
	for base := 900000000; len(out) < n; base++ {
		s := strconv.Itoa(base)
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(s[i]-'0') * (10 - i)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		out = append(out, s+strconv.Itoa(check))
	}
	return out
}

// world is the seeded subscription base and directory, and what each
// patient's publish must be delivered to.
type world struct {
	patients []string
	gp       []string
	postcode []string
	area     map[string]string // postcode to local authority
	subs     []nems.Subscription
	expected []int // distinct mailboxes a vaccinations-1 publish about patient i reaches
	probe    int   // index of the probe patient
}

func build(c config) *world {
	w := &world{patients: nhsNumbers(c.patients + 1)}
	w.probe = c.patients
	w.gp = make([]string, len(w.patients))
	for i := range w.patients {
		w.gp[i] = fmt.Sprintf("A%05d", i%c.practices)
	}
	w.postcode = make([]string, len(w.patients))
	w.area = map[string]string{}
	for i := range w.patients {
		k := (i * 13) % c.postcodes
		w.postcode[i] = fmt.Sprintf("LS%d %dAB", k/10, k%10)
		w.area[w.postcode[i]] = fmt.Sprintf("E%08d", k%c.authorities)
	}
	now := time.Now().Add(-time.Hour).UTC()
	nGeneric := int(float64(c.subscriptions) * c.generic)
	explicitBoxes := make([]map[string]bool, len(w.patients))
	genericBoxes := map[string]map[string]bool{}
	keys := map[string]bool{}
	add := func(s nems.Subscription) {
		if keys[s.Key] {
			return
		}
		keys[s.Key] = true
		w.subs = append(w.subs, s)
	}
	for i := 0; i < c.subscriptions-nGeneric; i++ {
		p := i % c.patients
		ev := eventTypes[0]
		if i%4 == 3 {
			ev = eventTypes[1+i/4%3]
		}
		mb := fmt.Sprintf("MBX%06d", (i/c.patients+i)%c.mailboxes)
		crit := "/Bundle?type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|" + w.patients[p] + "&MessageHeader.event=" + ev
		add(nems.Subscription{ID: fmt.Sprintf("%032x", len(w.subs)+1), Owner: fromASID, Mailbox: mb, Criteria: crit, NHSNumber: w.patients[p],
			Events: []string{ev}, Key: crit + "|" + mb, Body: []byte("<Subscription/>"), Format: "xml", Created: now})
		if ev == eventType {
			if explicitBoxes[p] == nil {
				explicitBoxes[p] = map[string]bool{}
			}
			explicitBoxes[p][mb] = true
		}
	}
	for i := 0; i < nGeneric; i++ {
		rule, org, ev := "GP_GP_GP", fmt.Sprintf("A%05d", i%c.practices), eventTypes[i/c.practices%len(eventTypes)]
		if i%2 == 1 {
			rule, org, ev = "UHV_POSTCODE_LACODE", fmt.Sprintf("E%08d", i%c.authorities), eventTypes[i/c.authorities%len(eventTypes)]
		}
		mb := fmt.Sprintf("MBX%06d", (i*7+i/c.practices+3)%c.mailboxes)
		crit := "/Bundle?type=message&subscriptionRuleType=" + rule + "&Organization.identifier=" + org + "&MessageHeader.event=" + ev
		add(nems.Subscription{ID: fmt.Sprintf("%032x", len(w.subs)+1), Owner: fromASID, Mailbox: mb, Criteria: crit, RuleType: rule,
			Organization: org, Events: []string{ev}, Key: crit + "|" + mb, Body: []byte("<Subscription/>"), Format: "xml", Created: now})
		if ev == eventType {
			if genericBoxes[org] == nil {
				genericBoxes[org] = map[string]bool{}
			}
			genericBoxes[org][mb] = true
		}
	}
	// The probe patient has one explicit subscription, to the probe
	// mailbox, and a practice no generic subscription names.
	w.gp[w.probe], w.postcode[w.probe] = "P00001", "ZZ99 9ZZ"
	w.area["ZZ99 9ZZ"] = "E99999999"
	crit := "/Bundle?type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|" + w.patients[w.probe] + "&MessageHeader.event=" + eventType
	add(nems.Subscription{ID: fmt.Sprintf("%032x", len(w.subs)+1), Owner: fromASID, Mailbox: probeMailbox, Criteria: crit,
		NHSNumber: w.patients[w.probe], Events: []string{eventType}, Key: crit + "|" + probeMailbox, Body: []byte("<Subscription/>"), Format: "xml", Created: now})
	w.expected = make([]int, len(w.patients))
	for i := range w.patients {
		boxes := map[string]bool{}
		for mb := range explicitBoxes[i] {
			boxes[mb] = true
		}
		for mb := range genericBoxes[w.gp[i]] {
			boxes[mb] = true
		}
		for mb := range genericBoxes[w.area[w.postcode[i]]] {
			boxes[mb] = true
		}
		w.expected[i] = len(boxes)
	}
	w.expected[w.probe] = 1
	return w
}

func (w *world) directoryJSON() ([]byte, error) {
	type patient struct {
		NHSNumber string `json:"nhsNumber"`
		GP        string `json:"gp"`
		Postcode  string `json:"postcode"`
	}
	type area struct {
		Postcode       string `json:"postcode"`
		LocalAuthority string `json:"localAuthority"`
	}
	ps := make([]patient, len(w.patients))
	for i := range w.patients {
		ps[i] = patient{w.patients[i], w.gp[i], w.postcode[i]}
	}
	var as []area
	for pc, la := range w.area {
		as = append(as, area{pc, la})
	}
	return json.Marshal(map[string]any{"patients": ps, "postcodes": as})
}

type instance struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

func startInstance(bin string, args []string, logPath string) (*instance, error) {
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	in := &instance{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		logf.Close()
		in.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		in.base = "http://" + a
		return in, nil
	case err := <-in.done:
		return nil, fmt.Errorf("instance exited before listening (%v); see %s", err, logPath)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("instance did not listen within 60 s; see %s", logPath)
	}
}

// cpuTime is the user and system CPU time the process has used, from /proc.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(u+st) * 10 * time.Millisecond
}

// peakRSS is the process's high-water resident set, from /proc.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return fmt.Sprintf("%.0f MB", float64(kb)/1024)
			}
		}
	}
	return "?"
}

func jwt(now time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	p, _ := json.Marshal(map[string]any{
		"iss": "https://cas.nhs.uk", "aud": "https://clinicals.spineservices.nhs.uk",
		"sub": "https://fhir.nhs.uk/Id/accredited-system|" + fromASID,
		"iat": now.Unix() - 60, "exp": now.Unix() + 240,
		"reason_for_request": "directcare", "scope": "patient/Bundle.write",
		"requesting_system":       "https://fhir.nhs.uk/Id/accredited-system|" + fromASID,
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|A91545",
	})
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(p) + "."
}

func publish(client *http.Client, base string, body []byte, token string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/STU3/Events/1/$process-message", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("fromASID", fromASID)
	req.Header.Set("toASID", "928942012545")
	req.Header.Set("InteractionID", "urn:nhs:names:services:events:Vaccinations.Write")
	req.Header.Set("Content-Type", "application/fhir+xml")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

var meshCount atomic.Int64

func meshCall(client *http.Client, method, u, mailbox string) ([]byte, int, error) {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	ts := time.Now().UTC().Format("200601021504")
	n := meshCount.Add(1)
	m := hmac.New(sha256.New, []byte(mesh.DefaultSharedKey))
	fmt.Fprintf(m, "%s:%s:%d:%s:%s", mailbox, hex.EncodeToString(nonce), n, mesh.DefaultPassword, ts)
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", fmt.Sprintf("NHSMESH %s:%s:%d:%s:%s", mailbox, hex.EncodeToString(nonce), n, ts, hex.EncodeToString(m.Sum(nil))))
	req.Header.Set("Accept", "application/vnd.mesh.v2+json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return b, resp.StatusCode, err
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[int(q*float64(len(ds)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func run(c config) error {
	if c.instances < 1 || c.publishers < 1 || c.publishes < 1 || c.subscriptions < 1 || c.patients < 1 || c.mailboxes < 1 || c.practices < 1 || c.postcodes < 1 || c.authorities < 1 {
		return fmt.Errorf("counts must be positive")
	}
	if c.duration <= 0 || c.duration > 10*time.Minute {
		return fmt.Errorf("-duration %v: expected more than 0 and at most 10m", c.duration)
	}
	event, err := os.ReadFile(c.event)
	if err != nil {
		return fmt.Errorf("-event: %w (run from the repository root)", err)
	}
	if !bytes.Contains(event, []byte(eventNHS)) || !bytes.Contains(event, []byte(bundleID)) {
		return fmt.Errorf("-event %s: expected the NHS number %s and Bundle.id %s to replace", c.event, eventNHS, bundleID)
	}
	tmp, err := os.MkdirTemp("", "nemsload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := c.nemsfhir
	if bin == "" {
		bin = filepath.Join(tmp, "nemsfhir")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/nemsfhir").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/nemsfhir: %v\n%s", err, out)
		}
	}
	ctx := context.Background()
	t0 := time.Now()
	w := build(c)
	dir, err := w.directoryJSON()
	if err != nil {
		return err
	}
	dirFile := filepath.Join(tmp, "directory.json")
	if err := os.WriteFile(dirFile, dir, 0o600); err != nil {
		return err
	}

	var where []string
	var open func() (nems.Store, error)
	size := func() int64 { return 0 } // bytes the store takes on disk
	switch c.store {
	case "sqlite":
		data := filepath.Join(tmp, "data")
		where = []string{"--data", data}
		open = func() (nems.Store, error) { return nems.OpenSQLite(ctx, data) }
		size = func() int64 {
			var n int64
			for _, f := range []string{nems.DatabaseFile, nems.DatabaseFile + "-wal"} {
				if fi, err := os.Stat(filepath.Join(data, f)); err == nil {
					n += fi.Size()
				}
			}
			return n
		}
		st, err := nems.OpenSQLite(ctx, data)
		if err != nil {
			return err
		}
		err = st.ImportSubscriptions(ctx, w.subs)
		st.Close()
		if err != nil {
			return err
		}
	case "postgres":
		server := c.postgres
		if server == "" {
			cl, err := pgtest.StartCluster(true)
			if err != nil {
				return err
			}
			defer cl.Stop()
			server = cl.URL()
		}
		name := fmt.Sprintf("nemsload_%d", time.Now().UnixNano())
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
		conn.Close(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if conn, err := pgx.Connect(context.Background(), server); err == nil {
				conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
				conn.Close(context.Background())
			}
		}()
		u, err := url.Parse(server)
		if err != nil {
			return err
		}
		u.Path = "/" + name
		dbURL := u.String()
		where = []string{"--store", dbURL}
		open = func() (nems.Store, error) { return nems.OpenPostgres(ctx, dbURL) }
		size = func() int64 {
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				return 0
			}
			defer conn.Close(ctx)
			var n int64
			if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
				return 0
			}
			return n
		}
		st, err := nems.OpenPostgres(ctx, dbURL)
		if err != nil {
			return err
		}
		err = st.ImportSubscriptions(ctx, w.subs)
		st.Close()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("-store %q: sqlite or postgres", c.store)
	}
	fmt.Printf("seeded %d subscriptions (%d generic) and %d patients in %v\n", len(w.subs), int(float64(c.subscriptions)*c.generic),
		len(w.patients), time.Since(t0).Round(time.Millisecond))

	var ins []*instance
	defer func() {
		for _, in := range ins {
			in.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-in.done:
			case <-time.After(15 * time.Second):
				in.cmd.Process.Kill()
			}
		}
	}()
	for i := range c.instances {
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--directory", dirFile}, where...)
		in, err := startInstance(bin, args, filepath.Join(tmp, fmt.Sprintf("instance%d.log", i)))
		if err != nil {
			return err
		}
		ins = append(ins, in)
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.publishers + 4}}
	var (
		mu        sync.Mutex
		lat       []time.Duration
		sent      = map[int]time.Time{} // probe publishes by number
		accepted  int
		expected  int
		maybe     int // copies of publishes answered with an error
		failures  = map[string]int{}
		next      atomic.Int64
		stopAt    = time.Now().Add(c.duration)
		wg        sync.WaitGroup
		probeSent int
	)
	sizeBefore := size()
	cpuBefore := make([]time.Duration, len(ins))
	for i, in := range ins {
		cpuBefore[i] = cpuTime(in.cmd.Process.Pid)
	}
	token := jwt(time.Now())
	start := time.Now()
	for p := range c.publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(p), 42))
			for {
				n := int(next.Add(1))
				if n > c.publishes || time.Now().After(stopAt) {
					return
				}
				pi := rng.IntN(c.patients)
				if n%c.probeEvery == 0 {
					pi = w.probe
				}
				body := bytes.ReplaceAll(event, []byte(eventNHS), []byte(w.patients[pi]))
				body = bytes.Replace(body, []byte(bundleID), []byte(fmt.Sprintf("%s%012d", bundlePrefix, n)), 1)
				t := time.Now()
				status, err := publish(client, ins[n%len(ins)].base, body, token)
				d := time.Since(t)
				mu.Lock()
				switch {
				case err != nil:
					failures[err.Error()]++
				case status != http.StatusAccepted:
					failures[fmt.Sprintf("status %d", status)]++
					// The outbox may deliver it later all the same.
					maybe += w.expected[pi]
				default:
					accepted++
					expected += w.expected[pi]
					lat = append(lat, d)
					if pi == w.probe {
						sent[n] = t
						probeSent++
					}
				}
				mu.Unlock()
			}
		}()
	}

	// The probe mailbox's collector: list, retrieve, acknowledge.
	var mailboxLat []time.Duration
	collected := map[int]bool{}
	publishing := make(chan struct{})
	collectorDone := make(chan error, 1)
	number := regexp.MustCompile(regexp.QuoteMeta(bundlePrefix) + `(\d{12})`)
	go func() {
		mclient := &http.Client{Timeout: 30 * time.Second}
		base := ins[0].base + "/messageexchange/" + probeMailbox
		var finishedAt time.Time
		for {
			b, status, err := meshCall(mclient, http.MethodGet, base+"/inbox?max_results=500", probeMailbox)
			if err != nil || status != http.StatusOK {
				collectorDone <- fmt.Errorf("MESH inbox: %d %v %s", status, err, b)
				return
			}
			var list struct{ Messages []string }
			if err := json.Unmarshal(b, &list); err != nil {
				collectorDone <- fmt.Errorf("MESH inbox: %v", err)
				return
			}
			for _, id := range list.Messages {
				body, status, err := meshCall(mclient, http.MethodGet, base+"/inbox/"+id, probeMailbox)
				if err != nil || status != http.StatusOK {
					collectorDone <- fmt.Errorf("MESH retrieve %s: %d %v", id, status, err)
					return
				}
				at := time.Now()
				if _, status, err := meshCall(mclient, http.MethodPut, base+"/inbox/"+id+"/status/acknowledged", probeMailbox); err != nil || status != http.StatusOK {
					collectorDone <- fmt.Errorf("MESH acknowledge %s: %d %v", id, status, err)
					return
				}
				m := number.FindSubmatch(body)
				if m == nil {
					collectorDone <- fmt.Errorf("MESH message %s is not a probe publish", id)
					return
				}
				n, _ := strconv.Atoi(string(m[1]))
				mu.Lock()
				if collected[n] {
					mu.Unlock()
					collectorDone <- fmt.Errorf("probe publish %d collected twice", n)
					return
				}
				collected[n] = true
				if t, ok := sent[n]; ok {
					mailboxLat = append(mailboxLat, at.Sub(t))
				}
				mu.Unlock()
			}
			select {
			case <-publishing:
				if finishedAt.IsZero() {
					finishedAt = time.Now()
				}
				mu.Lock()
				all := len(collected) >= probeSent
				mu.Unlock()
				if all && len(list.Messages) == 0 {
					collectorDone <- nil
					return
				}
				if time.Since(finishedAt) > 30*time.Second {
					collectorDone <- fmt.Errorf("probe mailbox: %d of %d collected 30 s after publishing ended", len(collected), probeSent)
					return
				}
			default:
			}
			if len(list.Messages) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	rss := make([]string, len(ins))
	var cpu time.Duration
	for i, in := range ins {
		rss[i] = peakRSS(in.cmd.Process.Pid)
		cpu += cpuTime(in.cmd.Process.Pid) - cpuBefore[i]
	}
	close(publishing)
	collectErr := <-collectorDone

	// Every matched copy: wait for the outbox to empty (bounded), then
	// count what waits in the mailboxes plus what the probe collected.
	st, err := open()
	if err != nil {
		return err
	}
	defer st.Close()
	for deadline := time.Now().Add(60 * time.Second); ; {
		n, err := st.PendingEvents(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d accepted events still in the outbox a minute after publishing ended", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	found := len(collected)
	for i := range c.mailboxes {
		n, err := st.InboxCount(ctx, fmt.Sprintf("MBX%06d", i))
		if err != nil {
			return err
		}
		found += n
	}
	slices.Sort(lat)
	slices.Sort(mailboxLat)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("store %s, %d instance(s), %d subscriptions, %d publishers, %d publishes in %v\n", c.store, c.instances, len(w.subs), c.publishers, accepted, elapsed.Round(time.Millisecond))
	fmt.Printf("  accepted: %.0f publishes/s; publish latency p50 %s, p95 %s, p99 %s, max %s\n", float64(accepted)/elapsed.Seconds(),
		ms(percentile(lat, 0.5)), ms(percentile(lat, 0.95)), ms(percentile(lat, 0.99)), ms(percentile(lat, 1)))
	fmt.Printf("  publish-to-mailbox (probe, %d collected over MESH): p50 %s, p95 %s, p99 %s\n", len(mailboxLat),
		ms(percentile(mailboxLat, 0.5)), ms(percentile(mailboxLat, 0.95)), ms(percentile(mailboxLat, 0.99)))
	fmt.Printf("  matched copies: %d expected, %d in the mailboxes", expected, found)
	if maybe > 0 {
		fmt.Printf(" (up to %d more may come from publishes answered with an error)", maybe)
	}
	fmt.Println()
	fmt.Printf("  peak RSS per instance: %s\n", strings.Join(rss, ", "))
	if accepted > 0 {
		fmt.Printf("  instances' CPU: %.2f ms per accepted publish (all instances together)\n", float64(cpu)/float64(time.Millisecond)/float64(accepted))
		if after := size(); after > 0 && sizeBefore > 0 {
			fmt.Printf("  store growth: %.1f KB per accepted publish (%.1f MB in all)\n", float64(after-sizeBefore)/1024/float64(accepted), float64(after-sizeBefore)/(1<<20))
		}
	}
	fmt.Printf("  load average at the end: %s", load)
	if len(failures) > 0 {
		fmt.Printf("  failures: %v\n", failures)
	}
	// The instances' own account of anything that went wrong.
	shown := 0
	for i := range ins {
		b, _ := os.ReadFile(filepath.Join(tmp, fmt.Sprintf("instance%d.log", i)))
		for _, line := range strings.Split(string(b), "\n") {
			if (strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN")) && shown < 10 {
				fmt.Printf("  instance %d: %s\n", i, line)
				shown++
			}
		}
	}
	switch {
	case collectErr != nil:
		return collectErr
	case found < expected || found > expected+maybe:
		return fmt.Errorf("%d matched copies expected (and up to %d more), %d delivered", expected, maybe, found)
	case len(failures) > 0:
		return fmt.Errorf("%d publishes failed", func() int {
			n := 0
			for _, v := range failures {
				n += v
			}
			return n
		}())
	}
	return nil
}
