// Package pipetest is a test helper that imports the package it helps test.
package pipetest

import "example.com/badmod/internal/pipeline"

// X uses pipeline.
const X = pipeline.X
