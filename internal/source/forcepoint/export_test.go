package forcepoint

import "github.com/gatelog/gatelog/internal/source"

// SendCV makes a stream of New send cv as is, past the per-type minimum
// EffectiveCV enforces: the conformance suite needs the server's 400 for
// a collector version it refuses.
func SendCV(st source.Stream, cv string) { st.(*stream).cv = cv }
