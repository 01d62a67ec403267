// Package testpki makes throwaway certificates for TLS tests: a CA, and
// signed by it a server and a client certificate, as PEM files and as
// crypto/tls values.
package testpki

import (
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
)

// PKI is a CA with a server and a client certificate, as PEM files in Dir
// and as crypto/tls values.
type PKI struct {
	Dir                           string
	CAFile, ServerCert, ServerKey string
	ClientCert, ClientKey         string
	CAPool                        *x509.CertPool
	Server, Client                tls.Certificate
}

// New makes a CA named caName and, signed by it, a server certificate for
// names (DNS names or IP addresses) and a client certificate, in a folder
// of the test's.
func New(t testing.TB, caName string, names ...string) *PKI {
	t.Helper()
	dir := t.TempDir()
	caKey, caCert := newCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: caName}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	p := &PKI{Dir: dir, CAPool: x509.NewCertPool()}
	p.CAPool.AddCert(caCert)
	p.CAFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caCert.Raw)

	srv := &x509.Certificate{Subject: pkix.Name{CommonName: "test server"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			srv.IPAddresses = append(srv.IPAddresses, ip)
		} else {
			srv.DNSNames = append(srv.DNSNames, n)
		}
	}
	p.Server, p.ServerCert, p.ServerKey = leaf(t, dir, "server", srv, caCert, caKey)
	cli := &x509.Certificate{Subject: pkix.Name{CommonName: "gatelog-client"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	p.Client, p.ClientCert, p.ClientKey = leaf(t, dir, "client", cli, caCert, caKey)
	return p
}

func leaf(t testing.TB, dir, name string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (tls.Certificate, string, string) {
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	key, cert := newCert(t, tmpl, ca, caKey)
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := writePEM(t, dir, name+".pem", "CERTIFICATE", cert.Raw)
	keyFile := writePEM(t, dir, name+"-key.pem", "EC PRIVATE KEY", der)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certFile, keyFile
}

// newCert signs tmpl with caKey (self-signed when ca is nil).
func newCert(t testing.TB, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if ca == nil {
		ca, caKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
