package nems

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testCert issues a certificate for name, signed by parent (self-signed
// when parent is nil), and writes it and its key as PEM files in dir.
func testCert(t *testing.T, dir, name string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:        isCA, BasicConstraintsValid: true, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return cert, key, certFile, keyFile
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, caFile, _ := testCert(t, dir, "ca", true, nil, nil)
	_, _, srvCert, srvKey := testCert(t, dir, "server", false, ca, caKey)
	_, _, cliCert, cliKey := testCert(t, dir, "client", false, ca, caKey)
	_, _, strangerCert, strangerKey := testCert(t, dir, "stranger", false, nil, nil)

	cfg, err := TLSConfig(srvCert, srvKey, caFile)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Store: openTestStore(t, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv.HTTPServer(""), tls.NewListener(ln, cfg), 5*time.Second) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	roots := x509.NewCertPool()
	roots.AddCert(ca)
	get := func(certFile, keyFile string) error {
		tc := &tls.Config{RootCAs: roots}
		if certFile != "" {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			tc.Certificates = []tls.Certificate{c}
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
		resp, err := client.Get("https://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz over TLS: %d", resp.StatusCode)
		}
		return nil
	}
	if err := get(cliCert, cliKey); err != nil {
		t.Fatalf("a client with a certificate of the CA: %v", err)
	}
	if err := get("", ""); err == nil {
		t.Error("a client without a certificate was served")
	}
	if err := get(strangerCert, strangerKey); err == nil {
		t.Error("a client with a certificate of another CA was served")
	}
	if _, err := TLSConfig(srvCert, "", ""); err == nil {
		t.Error("TLS without a key was configured")
	}
	if _, err := TLSConfig(srvCert, srvKey, srvKey); err == nil {
		t.Error("a key file was taken as a CA")
	}
}
