// Package sim breaks "internal/simulator/... -> internal/source/...".
package sim

import "example.com/badmod/internal/source/vendor"

// X uses vendor.
const X = vendor.X
