package nems

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// maxPEMFile bounds a certificate or key file.
const maxPEMFile = 1 << 20

func readPEMFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > maxPEMFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxPEMFile)
	}
	return os.ReadFile(name)
}

// TLSConfig is the TLS of a server with the certificate and key in PEM
// files. With clientCAFile, as NEMS uses mutual TLS, every client must
// present a certificate issued by one of the CAs in that file; without
// it, none is asked for. TLS 1.2 is the least accepted.
func TLSConfig(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS needs both a certificate and a key file")
	}
	certPEM, err := readPEMFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readPEMFile(keyFile)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCAFile != "" {
		caPEM, err := readPEMFile(clientCAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("%s: no PEM certificate found", clientCAFile)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
