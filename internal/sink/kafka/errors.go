package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gatelog/gatelog/internal/errclass"
)

// cancelled explains a Write whose context ended: a fatal connection
// error, Timeout or the caller.
func (s *Sink) cancelled(w *write, what string) error {
	cause := context.Cause(w.ctx)
	switch {
	case errclass.IsPermanent(cause):
		return errclass.Permanent(s.errorf("%s: %w", what, cause))
	case errors.Is(cause, errTimeout):
		return s.errorf("%s within %v%s", what, time.Duration(s.cfg.Timeout), s.lastConn())
	}
	return s.errorf("%s: %w", what, cause)
}

// classify marks the broker answers that only a change of configuration,
// ACLs or topics can fix as permanent, with what to change. Everything
// else (unavailable leaders, timeouts, network errors) is retryable.
func (s *Sink) classify(what, topic string, err error) error {
	hint := ""
	switch {
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		hint = fmt.Sprintf("the user may not write to topic %q: grant it WRITE and DESCRIBE on the topic", topic)
	case errors.Is(err, kerr.ClusterAuthorizationFailed):
		hint = fmt.Sprintf("the user may not produce idempotently: grant it WRITE on topic %q (Kafka 2.8 and later) or IDEMPOTENT_WRITE on the cluster", topic)
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		hint = fmt.Sprintf("topic %q does not exist and the brokers do not create topics on demand (auto.create.topics.enable=false): create it", topic)
	case errors.Is(err, kerr.InvalidTopicException):
		hint = fmt.Sprintf("the brokers reject topic name %q", topic)
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		hint = fmt.Sprintf("a record is larger than topic %q accepts: raise its max.message.bytes", topic)
	case errors.Is(err, kerr.InvalidRecord), errors.Is(err, kerr.PolicyViolation):
		hint = fmt.Sprintf("topic %q rejects the records", topic)
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.UnsupportedSaslMechanism):
		return errclass.Permanent(s.errorf("%s: %w", what, s.authError(err)))
	default:
		return s.errorf("%s: %w%s", what, err, s.lastConn())
	}
	return errclass.Permanent(s.errorf("%s: %s: %w", what, hint, err))
}

// lastConn describes the latest failed broker connection, if the latest
// attempt failed: after a timeout it usually says why.
func (s *Sink) lastConn() string {
	if p := s.lastConnErr.Load(); p != nil {
		return fmt.Sprintf(" (last broker connection error: %v)", *p)
	}
	return ""
}

// connHook watches franz-go's connection attempts, because franz-go
// retries even rejected credentials until a Write times out, and reports
// only the timeout.
type connHook struct{ s *Sink }

var _ kgo.HookBrokerConnect = connHook{}

// OnBrokerConnect records the outcome of a connection attempt and aborts
// the Writes in progress when it failed for good.
func (h connHook) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		h.s.lastConnErr.Store(nil)
		return
	}
	h.s.lastConnErr.Store(&err)
	if fatal := h.s.fatalConnErr(err); fatal != nil {
		h.s.abortWrites(errclass.Permanent(fatal))
	}
}

// fatalConnErr returns what a connection error means when reconnecting
// cannot help: rejected credentials, an unverifiable certificate, a
// listener that does not speak TLS. nil for anything else.
func (s *Sink) fatalConnErr(err error) error {
	var verr *tls.CertificateVerificationError
	var rerr tls.RecordHeaderError
	var operr *net.OpError
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.UnsupportedSaslMechanism):
		return s.authError(err)
	case errors.As(err, &verr):
		return fmt.Errorf("cannot verify the broker certificate (check tls ca and server_name): %w", err)
	case errors.As(err, &rerr):
		return fmt.Errorf("the broker does not answer TLS (is this a TLS listener?): %w", err)
	case errors.As(err, &operr) && operr.Op == "remote error":
		return fmt.Errorf("the broker rejected the TLS connection (client certificate?): %w", err)
	}
	return nil
}

// authError names the user and mechanism the brokers rejected; the
// password is never part of it.
func (s *Sink) authError(err error) error {
	if errors.Is(err, kerr.UnsupportedSaslMechanism) {
		return fmt.Errorf("the brokers do not offer SASL mechanism %s: %w", s.cfg.SASL.Mechanism, err)
	}
	return fmt.Errorf("the brokers rejected the SASL %s credentials of user %q: %w", s.cfg.SASL.Mechanism, s.cfg.SASL.Username, err)
}
