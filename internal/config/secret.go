package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

const redacted = "[REDACTED]"

// Secret is a credential. Every way of printing or encoding it (fmt verbs,
// JSON, YAML, text, slog) shows "[REDACTED]", or "" when it is empty so
// that "not set" stays visible; only Value returns the real thing. This
// keeps credentials out of logs, the status page and `config show` even
// when a whole Config is printed.
type Secret string

// Value returns the real credential, for the one place that sends it.
func (s Secret) Value() string { return string(s) }

// String returns "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v redacted.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format covers every fmt verb, including ones String alone would not
// (%d, %x on the underlying string, %#v inside structs).
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'q' || verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, strconv.Quote(s.String()))
	default:
		_, _ = io.WriteString(f, s.String())
	}
}

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML redacts.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText redacts, for encoders that use encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue redacts in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
