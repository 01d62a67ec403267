// Package sink is the sink contract.
package sink

// X is a value.
const X = 1
