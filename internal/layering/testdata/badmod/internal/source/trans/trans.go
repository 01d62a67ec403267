// Package trans breaks "internal/source/... -> internal/sink/..." through helper.
package trans

import "example.com/badmod/internal/helper"

// X uses helper.
const X = helper.X
