// Package pipeline is clean; its external tests close a cycle through pipetest.
package pipeline

// X is a value.
const X = 1
