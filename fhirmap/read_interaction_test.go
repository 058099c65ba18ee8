package fhirmap

import (
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestInteractionDuration(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	sent := at("2026-10-05T11:20:00Z")
	enc := func(mod func(e *Encounter)) *Encounter {
		e := &Encounter{ID: "e1", Patient: "p1", Status: "finished",
			Start: at("2026-10-05T10:58:00Z"), End: at("2026-10-05T11:17:30Z")}
		if mod != nil {
			mod(e)
		}
		return e
	}
	comm := func(mod func(c *Communication)) *Communication {
		c := &Communication{ID: "c1", Patient: "p1", Status: "completed", Completed: true, Sent: sent,
			Medium: rules.MediumRemote, Encounter: "e1"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	tests := []struct {
		name  string
		c     *Communication
		e     *Encounter
		start time.Time
		dur   time.Duration
		codes string
	}{
		{"R-TIME-2: the extension wins over the Encounter", comm(func(c *Communication) { c.Duration, c.HasDuration = 12*time.Minute, true }),
			enc(func(e *Encounter) { e.Length, e.HasLength = 30*time.Minute, true }), at("2026-10-05T10:58:00Z"), 12 * time.Minute, ""},
		{"R-TIME-2: Encounter.length before its period", comm(nil), enc(func(e *Encounter) { e.Length, e.HasLength = 30*time.Minute, true }),
			at("2026-10-05T10:58:00Z"), 30 * time.Minute, ""},
		{"R-TIME-2: else the Encounter period", comm(nil), enc(nil), at("2026-10-05T10:58:00Z"), 19*time.Minute + 30*time.Second, ""},
		{"R-TIME-2: sent never gives a duration", comm(func(c *Communication) { c.Encounter = "" }), nil, sent, 0, CodeNoDuration},
		{"an unavailable Encounter is reported", comm(nil), nil, sent, 0, CodeEncounterNotFound + "," + CodeNoDuration},
		{"a period with no end gives no duration, but the start", comm(nil), enc(func(e *Encounter) { e.End = time.Time{} }),
			at("2026-10-05T10:58:00Z"), 0, CodeNoDuration},
		{"the wrong Encounter is not used", comm(nil), enc(func(e *Encounter) { e.ID = "e2" }), sent, 0,
			CodeEncounterMismatch + "," + CodeEncounterNotFound + "," + CodeNoDuration},
		{"another patient's Encounter is not used", comm(nil), enc(func(e *Encounter) { e.Patient = "p2" }), sent, 0,
			CodeEncounterMismatch + "," + CodeEncounterNotFound + "," + CodeNoDuration},
		{"an Encounter without subject is used", comm(nil), enc(func(e *Encounter) { e.Patient = "" }), at("2026-10-05T10:58:00Z"), 19*time.Minute + 30*time.Second, ""},
		{"a cancelled Encounter is not used", comm(func(c *Communication) { c.Duration, c.HasDuration = 5*time.Minute, true }),
			enc(func(e *Encounter) { e.Status = "cancelled" }), sent, 5 * time.Minute, CodeEncounterUnusable},
		{"no start at all", comm(func(c *Communication) { c.Sent, c.Duration, c.HasDuration = time.Time{}, time.Minute, true }), nil,
			time.Time{}, time.Minute, CodeMissingStart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, issues := Interaction(tt.c, tt.e)
			var codes []string
			for _, is := range issues {
				codes = append(codes, is.Code)
				if is.ResourceType != "Communication" || is.ID != "c1" {
					t.Errorf("issue not stamped: %+v", is)
				}
			}
			if !in.Start.Equal(tt.start) || in.Duration != tt.dur || strings.Join(codes, ",") != tt.codes {
				t.Errorf("got start %v duration %v issues %v; want %v %v %v", in.Start, in.Duration, codes, tt.start, tt.dur, tt.codes)
			}
			if in.Ref != "Communication/c1" || in.Medium != rules.MediumRemote || !in.Completed {
				t.Errorf("fields not carried: %+v", in)
			}
		})
	}
}
