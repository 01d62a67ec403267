package syslog

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
)

// buildTLS loads the files named in c once, at New, so that a missing or
// malformed file stops the sink at start-up. Errors name the file, never
// its content. insecure skips verifying the server.
func buildTLS(name, address string, c config.TLSFiles, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: insecure}
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(address) // validated before
		cfg.ServerName = host
	}
	if c.CA != "" {
		pool, err := loadCA(c.CA)
		if err != nil {
			return nil, errclass.Permanentf("syslog sink %q: %w", name, err)
		}
		cfg.RootCAs = pool
	}
	if (c.Cert == "") != (c.Key == "") {
		return nil, errclass.Permanentf("syslog sink %q: tls client certificate and key go together: set both files or neither", name)
	}
	if c.Cert != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, errclass.Permanentf("syslog sink %q: tls client certificate %s / key %s: %s", name, c.Cert, c.Key, keyPairProblem(err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tls ca file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls ca file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// keyPairProblem describes a LoadX509KeyPair failure. File errors and
// crypto/tls's own messages ("tls: private key does not match public key")
// are fixed texts that name no key bytes; anything else is replaced by a
// fixed text rather than trusted not to quote the input.
func keyPairProblem(err error) string {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) || strings.HasPrefix(err.Error(), "tls: ") {
		return err.Error()
	}
	return "cannot be parsed as a PEM certificate and matching private key"
}

// Remote TLS alerts that mean the receiver rejects our certificate, our
// protocol versions or our name: reconnecting cannot change its mind.
// crypto/tls reports them only as text (its alert type is unexported).
var permanentAlerts = map[string]bool{
	"tls: handshake failure": true, "tls: bad certificate": true, "tls: unsupported certificate": true,
	"tls: revoked certificate": true, "tls: expired certificate": true, "tls: unknown certificate": true,
	"tls: unknown certificate authority": true, "tls: access denied": true, "tls: certificate required": true,
	"tls: protocol version not supported": true, "tls: insufficient security level": true, "tls: unrecognized name": true,
}

// classifyTLS marks the TLS failures that are configuration problems as
// permanent: our verification of the server's certificate, a receiver that
// does not speak TLS on that port, and the rejections in permanentAlerts.
func classifyTLS(err error) error {
	var verr *tls.CertificateVerificationError
	var rerr tls.RecordHeaderError
	var operr *net.OpError
	switch {
	case errors.As(err, &verr):
		return errclass.Permanent(err)
	case errors.As(err, &rerr):
		return errclass.Permanent(fmt.Errorf("%w (is the receiver speaking TLS on this port?)", err))
	case errors.As(err, &operr) && operr.Op == "remote error" && permanentAlerts[operr.Err.Error()]:
		return errclass.Permanent(fmt.Errorf("the receiver rejected the connection: %w", err))
	}
	return err
}
