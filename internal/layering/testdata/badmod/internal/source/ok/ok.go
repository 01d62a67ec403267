// Package ok is clean.
package ok

// X is a value.
const X = 1
