//go:build !linux || !(amd64 || arm64)

package file

import "os"

// dropCache does nothing where posix_fadvise is not wired up (see the Linux
// version).
func dropCache(*os.File, int64, int64) {}
