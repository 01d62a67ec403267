// Package state is the checkpoint store contract.
package state

// X is a value.
const X = 1
