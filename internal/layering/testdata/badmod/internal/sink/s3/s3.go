// Package s3 is clean; its tests break "internal/sink/... -> internal/source/...".
package s3

// X is a value.
const X = 1
