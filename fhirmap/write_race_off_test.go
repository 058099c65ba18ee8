//go:build !race

package fhirmap

const raceOn = false
