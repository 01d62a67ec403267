package sink

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	err := Redact(errors.New(`dial: pass=p@ss/w0rd url=p%40ss%2Fw0rd path=p@ss%2Fw0rd: `+io.EOF.Error()), "p@ss/w0rd")
	if strings.Contains(err.Error(), "w0rd") || strings.Count(err.Error(), "[REDACTED]") != 3 {
		t.Fatalf("not redacted: %s", err)
	}
	wrapped := Redact(io.ErrUnexpectedEOF, "x")
	if !errors.Is(wrapped, io.ErrUnexpectedEOF) || Redact(nil, "x") != nil {
		t.Fatal("Redact must keep the error chain and nil")
	}
}
