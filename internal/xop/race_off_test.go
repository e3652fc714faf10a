//go:build !race

package xop

const raceEnabled = false
