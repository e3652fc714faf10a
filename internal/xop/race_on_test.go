//go:build race

package xop

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = true
