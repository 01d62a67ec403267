//go:build race

package e2e

// raceEnabled: the race detector makes the 2 GB archive test take many
// minutes; make test runs it in a second pass without -race.
const raceEnabled = true
