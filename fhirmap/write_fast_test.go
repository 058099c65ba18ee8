package fhirmap

import (
	"bytes"
	"slices"
	"testing"
)

// TestFastEncoderGoldens: for every golden case the fast encoder's bytes are
// those of the reference path (protos built from the same result, validated
// and marshalled by jsonformat), resources and transaction Bundles alike.
func TestFastEncoderGoldens(t *testing.T) {
	ref := writeGoldens(t, true)
	fast := writeGoldens(t, false)
	if len(ref) != len(fast) || len(ref) < 15 {
		t.Fatalf("%d reference cases, %d fast", len(ref), len(fast))
	}
	names := make([]string, 0, len(ref))
	for n := range ref {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !bytes.Equal(ref[n], fast[n]) {
			t.Errorf("%s: fast encoder differs from jsonformat\nreference: %s\nfast:      %s", n, ref[n], fast[n])
		}
	}
}
