package mesh_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
)

// A receiver collects a NEMS event message from its mailbox: the handler
// is mounted at the root of the server, and every request carries a fresh
// NHSMESH token (here with the defaults: password "password" and MESH's
// default shared key).
func ExampleNewHandler() {
	store := mesh.NewMemoryStore()
	err := store.Deliver(mesh.Message{
		ID: "20261207010203000001_ABC123", From: "X26NEMS01", To: "X26OT181TEST",
		WorkflowID: "CHANGEOFGP_1", PartnerID: "sub1|tagA",
		ContentType: "application/fhir+xml", Body: []byte("<Bundle/>"),
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := mesh.NewAuth(mesh.AuthOptions{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(mesh.NewHandler(store, auth))
	defer srv.Close()

	count := 0
	get := func(method, path string) *http.Response {
		// mailbox:nonce:nonce_count:password:timestamp, HMAC-SHA256 with the shared key
		nonce, ts := rand.Text(), time.Now().UTC().Format("200601021504")
		m := hmac.New(sha256.New, []byte(mesh.DefaultSharedKey))
		fmt.Fprintf(m, "X26OT181TEST:%s:%d:password:%s", nonce, count, ts)
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Authorization", fmt.Sprintf("NHSMESH X26OT181TEST:%s:%d:%s:%x", nonce, count, ts, m.Sum(nil)))
		count++
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		return resp
	}

	resp := get("GET", "/messageexchange/X26OT181TEST/inbox")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	resp = get("GET", "/messageexchange/X26OT181TEST/inbox/20261207010203000001_ABC123")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Header.Get("Mex-WorkflowID"), resp.Header.Get("Mex-PartnerID"), string(body))

	resp = get("PUT", "/messageexchange/X26OT181TEST/inbox/20261207010203000001_ABC123/status/acknowledged")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// {"messages":["20261207010203000001_ABC123"]}
	// CHANGEOFGP_1 sub1|tagA <Bundle/>
	// 200 {"messageId":"20261207010203000001_ABC123"}
}
