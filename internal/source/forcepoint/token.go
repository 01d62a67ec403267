package forcepoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// tokenKind says what a nextpagetoken stands for. The API calls tokens
// opaque, but they are base64 JSON in two known shapes, and the `{}` token
// that comes with an empty page is no position at all.
type tokenKind int

const (
	tokenOpaque tokenKind = iota // not decodable: still usable, sent back as is
	tokenEnd                     // `{}` (e30=): no position; never saved
	tokenOld                     // {"log_id", "datetime"}: access, admin, cloud*, health*
	tokenNew                     // {"start_time", "end_time", "page"}: swgweb*
)

func (k tokenKind) String() string {
	return [...]string{"opaque", "end", "old", "new"}[k]
}

// classifyToken decodes a nextpagetoken far enough to know its kind.
func classifyToken(tok string) tokenKind {
	raw, err := decodeBase64(strings.TrimSpace(tok))
	if err != nil {
		return tokenOpaque
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return tokenOpaque
	}
	switch {
	case len(m) == 0:
		return tokenEnd
	case m["log_id"] != nil && m["datetime"] != nil:
		return tokenOld
	case m["start_time"] != nil || m["end_time"] != nil || m["page"] != nil:
		return tokenNew
	}
	return tokenOpaque
}

// decodeBase64 accepts padded and unpadded, standard and URL alphabets.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(s)
	return bytes.TrimSpace(b), err
}
