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

// The updates of server copies: the fast path takes what the adapter wrote
// (as HAPI hands it back: meta.versionId, lastUpdated with an offset,
// meta.source) and leaves the rest to the reference path; either way the
// bytes, versions and errors are the reference path's.
func TestFastUpdatesMatchTheReference(t *testing.T) {
	fast, ref := newTestWriter(t, PutByID), newTestWriterOpts(t, PutByID, true)
	set := buildScenario(t, fast, writeScenarios[1]).Windows[0]
	ci := asServerCopy(t, set.ChargeItems[0].JSON, "3")
	task := asServerCopy(t, set.Task.JSON, "4")
	hapi := func(b []byte) []byte {
		b = setJSON(t, b, "meta", map[string]any{"versionId": "5", "lastUpdated": "2026-11-04T15:30:01.123+00:00",
			"source": "#a1b2c3", "tag": []any{map[string]any{"system": fast.tagSystem, "code": GeneratedTagCode}}})
		return b
	}
	cases := []struct {
		name   string
		in     []byte
		isTask bool
		fast   bool // the fast path takes it
	}{
		{"chargeitem", ci, false, true},
		{"chargeitem as HAPI returns it, no profile", hapi(ci), false, true},
		{"chargeitem with a narrative", setJSON(t, ci, "text", map[string]any{"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}), false, false},
		{"chargeitem with a note", setJSON(t, ci, "note", []any{map[string]any{"text": "checked", "time": "2026-11-01T10:00:00Z"}}), false, true},
		{"chargeitem billed", setJSON(t, ci, "status", "billed"), false, false},
		{"chargeitem of someone else", setJSON(t, ci, "meta", nil), false, false},
		{"chargeitem with a fractional instant", setJSON(t, ci, "enteredDate", "2026-11-04T15:30:00.5Z"), false, false},
		{"chargeitem with a reference to the wrong type", setJSON(t, ci, "subject", map[string]any{"reference": "Device/d1"}), false, false},
		{"task", task, true, true},
		{"task as HAPI returns it", hapi(task), true, true},
		{"task completed", setJSON(t, task, "status", "completed"), true, false},
		{"task with an unknown element", setJSON(t, task, "priority", "urgent"), true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a, b *WriteResource
			var aerr, berr error
			if c.isTask {
				if got := fast.closeTaskFast(c.in, TaskCancelled, writeTestNow) != nil; got != c.fast {
					t.Errorf("fast path taken: %v, want %v", got, c.fast)
				}
				a, aerr = ref.CloseTask(c.in, TaskCancelled, writeTestNow)
				b, berr = fast.CloseTask(c.in, TaskCancelled, writeTestNow)
			} else {
				if got := fast.enteredInErrorFast(c.in, writeTestNow) != nil; got != c.fast {
					t.Errorf("fast path taken: %v, want %v", got, c.fast)
				}
				a, aerr = ref.EnteredInError(c.in, writeTestNow)
				b, berr = fast.EnteredInError(c.in, writeTestNow)
			}
			if (aerr == nil) != (berr == nil) || (aerr != nil && aerr.Error() != berr.Error()) {
				t.Fatalf("reference error %v, fast error %v", aerr, berr)
			}
			if aerr != nil {
				return
			}
			if !bytes.Equal(a.JSON, b.JSON) || a.Version != b.Version || a.ID != b.ID || a.Identifier != b.Identifier {
				t.Errorf("differs\nreference: %s %+v\nfast:      %s %+v", a.JSON, a.Identifier, b.JSON, b.Identifier)
			}
		})
	}
}
