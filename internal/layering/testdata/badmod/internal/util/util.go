// Package util is any package of the module.
package util

// X is a value.
const X = 1
