//go:build race

package fhirmap

// raceOn: the race detector makes the reference path about ten times slower,
// so the property test compares fewer results (the full count runs without it).
const raceOn = true
