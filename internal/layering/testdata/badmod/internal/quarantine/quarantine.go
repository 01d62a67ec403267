// Package quarantine keeps bad input.
package quarantine

// X is a value.
const X = 1
