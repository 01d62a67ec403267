// Package record breaks "internal/record -> ...".
package record

import "example.com/badmod/internal/util"

// X uses util.
const X = util.X
