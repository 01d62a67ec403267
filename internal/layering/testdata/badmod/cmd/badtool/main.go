// Command badtool breaks every "cmd/... -> ... direct" rule: it imports the
// parts app assembles instead of talking to app.
package main

import (
	"example.com/badmod/cmd/badtool/cli"
	"example.com/badmod/internal/pipeline"
	"example.com/badmod/internal/quarantine"
	"example.com/badmod/internal/record"
	"example.com/badmod/internal/sink"
	"example.com/badmod/internal/source"
	"example.com/badmod/internal/state"
)

func main() {
	cli.Run()
	_ = state.X + source.X + sink.X + pipeline.X + quarantine.X + record.X
}
