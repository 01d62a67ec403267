package kafka

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
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// selfSigned returns a certificate for 127.0.0.1 that is its own CA, and
// the path of its PEM file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kfake"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

// TestTLS writes over TLS with the broker's CA, and fails permanently, at
// once, with a CA that did not sign the broker certificate.
func TestTLS(t *testing.T) {
	cert, caFile := selfSigned(t)
	_, otherCA := selfSigned(t)
	c := newCluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), kfake.AllowAutoTopicCreation())
	cfg := Config{Name: "tls", Brokers: c.ListenAddrs(), TLS: TLSConfig{Enabled: true, CAFile: caFile}}
	mustWrite(t, newSink(t, cfg), streamA, testRecs(streamA, 0, 2))

	cfg.TLS.CAFile = otherCA
	cfg.Timeout = time.Hour // a permanent error must not wait for it
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	_, err := newSink(t, cfg).Write(ctx, streamA, testRecs(streamA, 2, 4))
	wantPermanent(t, err, "cannot verify the broker certificate")
}
