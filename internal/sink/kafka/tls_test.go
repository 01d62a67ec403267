package kafka

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/testutil/testpki"
)

// TestTLS writes over TLS with the broker's CA, and fails permanently, at
// once, with a CA that did not sign the broker certificate.
func TestTLS(t *testing.T) {
	pki, other := testpki.New(t, "broker CA", "127.0.0.1"), testpki.New(t, "other CA", "127.0.0.1")
	c := newCluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pki.Server}, MinVersion: tls.VersionTLS12}), kfake.AllowAutoTopicCreation())
	cfg := Config{Name: "tls", Brokers: c.ListenAddrs(), TLS: config.TLSFiles{Enabled: true, CA: pki.CAFile}}
	mustWrite(t, newSink(t, cfg), streamA, testRecs(streamA, 0, 2))

	cfg.TLS.CA = other.CAFile
	cfg.Timeout = config.Duration(time.Hour) // a permanent error must not wait for it
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	_, err := newSink(t, cfg).Write(ctx, streamA, testRecs(streamA, 2, 4))
	wantPermanent(t, err, "cannot verify the broker certificate")
}
