package s3

import (
	"testing"

	"example.com/badmod/internal/source"
)

func TestX(t *testing.T) { _ = source.X }
