package app

import (
	"testing"

	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
