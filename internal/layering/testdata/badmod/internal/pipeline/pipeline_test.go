package pipeline_test

import (
	"testing"

	"example.com/badmod/internal/pipeline/pipetest"
)

func TestX(t *testing.T) { _ = pipetest.X }
