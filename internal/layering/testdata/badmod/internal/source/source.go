// Package source is the source contract.
package source

// X is a value.
const X = 1
