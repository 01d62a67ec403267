package sink

import (
	"net/url"
	"strings"
)

// Redact returns err with every secret, and its URL-escaped forms, replaced
// by [REDACTED] in the message, for errors a server or proxy may have
// echoed a credential into. errors.Is and errors.As still see err.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			msg = strings.ReplaceAll(msg, form, "[REDACTED]")
		}
	}
	return &redacted{msg: msg, err: err}
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
