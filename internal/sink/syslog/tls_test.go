package syslog

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/testutil/testpki"
)

// tlsServer is a TLS syslog receiver; peers gets the client certificate's
// common name ("" for none) and the SNI of each connection.
type tlsServer struct {
	*receiver
	peers chan [2]string
}

func newTLSServer(t *testing.T, pki *testpki.PKI, auth tls.ClientAuthType, after func(n int, c net.Conn, buf *syncBuffer)) *tlsServer {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pki.Server}, ClientAuth: auth, ClientCAs: pki.CAPool})
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsServer{peers: make(chan [2]string, 10)}
	s.receiver = newReceiver(t, ln, func(n int, c net.Conn, buf *syncBuffer) {
		tc := c.(*tls.Conn)
		if tc.Handshake() != nil {
			return
		}
		st := tc.ConnectionState()
		cn := ""
		if len(st.PeerCertificates) > 0 {
			cn = st.PeerCertificates[0].Subject.CommonName
		}
		s.peers <- [2]string{cn, st.ServerName}
		if after != nil {
			after(n, c, buf)
			return
		}
		io.Copy(buf, c)
	})
	return s
}

func tlsConfig(addr string, pki *testpki.PKI, client bool) Config {
	cfg := Config{Address: addr, Protocol: "tls", TLS: config.TLSFiles{CA: pki.CAFile}}
	if client {
		cfg.TLS.Cert, cfg.TLS.Key = pki.ClientCert, pki.ClientKey
	}
	return cfg
}

// TestTLS: the server certificate is verified against the CA file, the
// client certificate is presented, and the batch arrives intact.
func TestTLS(t *testing.T) {
	pki := testpki.New(t, "test CA", "127.0.0.1", "localhost")
	srv := newTLSServer(t, pki, tls.RequireAndVerifyClientCert, nil)
	s := newSink(t, tlsConfig(srv.addr(), pki, true))
	recs := batch(idA, 0, 100)
	write(t, s, idA, recs)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := srv.conn(t, 0); !bytes.Equal(got, expected(s, recs)) {
		t.Fatalf("received %d bytes, want the batch", len(got))
	}
	if p := <-srv.peers; p[0] != "gatelog-client" {
		t.Errorf("client certificate %q, want gatelog-client", p[0])
	}
}

// TestTLSServerName: the certificate must match ServerName, by default
// the host of Address; the SNI sent is ServerName.
func TestTLSServerName(t *testing.T) {
	pki := testpki.New(t, "test CA", "syslog.test")
	srv := newTLSServer(t, pki, tls.NoClientCert, nil)
	s := newSink(t, tlsConfig(srv.addr(), pki, false))
	_, err := s.Write(ctxT(t), idA, batch(idA, 0, 1))
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "certificate for 127.0.0.1") {
		t.Fatalf("certificate for another name: %v, want a permanent error naming the mismatch", err)
	}
	cfg := tlsConfig(srv.addr(), pki, false)
	cfg.TLS.ServerName = "syslog.test"
	write(t, newSink(t, cfg), idA, batch(idA, 0, 1))
	if p := <-srv.peers; p[1] != "syslog.test" {
		t.Errorf("SNI %q, want syslog.test", p[1])
	}
}

// TestTLSUnknownCA: verification is on by default; a server whose CA is
// not trusted is a permanent error saying so. Insecure, set
// explicitly, accepts it.
func TestTLSUnknownCA(t *testing.T) {
	pki, other := testpki.New(t, "server CA", "127.0.0.1"), testpki.New(t, "other CA", "127.0.0.1")
	srv := newTLSServer(t, pki, tls.NoClientCert, nil)
	s := newSink(t, tlsConfig(srv.addr(), other, false))
	_, err := s.Write(ctxT(t), idA, batch(idA, 0, 1))
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Fatalf("untrusted server: %v, want a permanent unknown-authority error", err)
	}
	t.Logf("Write: %v", err)
	insecure := newSink(t, Config{Address: srv.addr(), Protocol: "tls", Insecure: true})
	write(t, insecure, idA, batch(idA, 0, 1))
}

// TestTLSClientRejected: a server that requires a client certificate and
// gets none, or one it does not trust, rejects us after our side of the
// TLS 1.3 handshake; the sink waits for that verdict and reports it as
// permanent instead of writing a batch into the closing connection.
func TestTLSClientRejected(t *testing.T) {
	pki, other := testpki.New(t, "server CA", "127.0.0.1"), testpki.New(t, "other CA", "127.0.0.1")
	srv := newTLSServer(t, pki, tls.RequireAndVerifyClientCert, nil)
	for name, cfg := range map[string]Config{
		"no certificate": tlsConfig(srv.addr(), pki, false),
		"untrusted certificate": {Address: srv.addr(), Protocol: "tls", TLS: config.TLSFiles{
			CA: pki.CAFile, Cert: other.ClientCert, Key: other.ClientKey}},
	} {
		_, err := newSink(t, cfg).Write(ctxT(t), idA, batch(idA, 0, 1))
		if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "rejected") {
			t.Errorf("%s: %v, want a permanent rejection", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

// TestTLSToPlainPort: a port that answers in plaintext is a permanent error.
func TestTLSToPlainPort(t *testing.T) {
	rcv := newReceiver(t, nil, func(n int, c net.Conn, buf *syncBuffer) {
		io.WriteString(c, "220 plain syslog here\r\n")
		io.Copy(buf, c)
	})
	_, err := newSink(t, Config{Address: rcv.addr(), Protocol: "tls"}).Write(ctxT(t), idA, batch(idA, 0, 1))
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "speaking TLS") {
		t.Fatalf("plaintext port: %v", err)
	}
}

// TestTLSReceiverRestart: a TLS receiver that closes (close_notify, then
// FIN) between batches is noticed; the next batch goes out on a new
// connection.
func TestTLSReceiverRestart(t *testing.T) {
	pki := testpki.New(t, "test CA", "127.0.0.1")
	size1 := make(chan int, 1)
	closed := make(chan struct{})
	srv := newTLSServer(t, pki, tls.NoClientCert, func(n int, c net.Conn, buf *syncBuffer) {
		if n > 0 {
			io.Copy(buf, c)
			return
		}
		io.CopyN(buf, c, int64(<-size1))
		c.Close()
		close(closed)
	})
	s := newSink(t, tlsConfig(srv.addr(), pki, false))
	b1, b2 := batch(idA, 1, 10), batch(idA, 2, 10)
	size1 <- len(expected(s, b1))
	write(t, s, idA, b1)
	select {
	case <-closed:
	case <-time.After(hang):
		t.Fatal("receiver did not get batch 1")
	}
	write(t, s, idA, b2)
	s.Close()
	if got := srv.conn(t, 1); !bytes.Equal(got, expected(s, b2)) {
		t.Fatalf("batch 2: %d bytes on the new connection", len(got))
	}
}

// TestTLSFileErrors: unreadable or malformed files are permanent errors
// that name the file and never quote it.
func TestTLSFileErrors(t *testing.T) {
	pki := testpki.New(t, "test CA", "127.0.0.1")
	dir := t.TempDir()
	secret := "SECRET-KEY-MATERIAL"
	badKey := filepath.Join(dir, "key.pem")
	os.WriteFile(badKey, []byte("-----BEGIN EC PRIVATE KEY-----\n"+secret+"\n-----END EC PRIVATE KEY-----\n"+secret), 0o600)
	badCA := filepath.Join(dir, "ca.pem")
	os.WriteFile(badCA, []byte(secret), 0o600)
	for _, tt := range []struct {
		tls  config.TLSFiles
		want string
	}{
		{config.TLSFiles{CA: badCA}, badCA},
		{config.TLSFiles{CA: filepath.Join(dir, "missing.pem")}, "missing.pem"},
		{config.TLSFiles{Cert: pki.ClientCert, Key: badKey}, badKey},
		{config.TLSFiles{Cert: pki.ClientCert, Key: pki.ServerKey}, pki.ServerKey}, // key of another certificate
	} {
		_, err := New(Config{Name: "siem", Address: "127.0.0.1:6514", Protocol: "tls", TLS: tt.tls})
		t.Log(err)
		if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want a permanent error naming %s", tt.tls, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the file: %v", err)
		}
	}
}
