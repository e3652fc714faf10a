//go:build race

package auth

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = true
