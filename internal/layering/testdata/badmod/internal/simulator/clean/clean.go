// Package clean is a simulator that shares nothing with the sources.
package clean

// X is a value.
const X = 1
