// Package doctor breaks "internal/... -> cmd/...".
package doctor

import "example.com/badmod/cmd/badtool/cli"

// Run calls into cmd.
func Run() { cli.Run() }
