package store

import (
	"context"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

func TestAuditEventsRoundTrip(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		evs := []AuditEvent{
			{Time: testNow.Add(-time.Minute), RequestID: "req-1", Token: "nurse-station", Operation: "patient-eligibility",
				PatientID: "p1", Write: true, Status: 200, Outcome: "ok"},
			{RequestID: "req-2", Token: "batch", Operation: "group-eligibility-end", GroupID: "g1", Job: "j-7",
				Status: 200, Outcome: "completed"},
		}
		for _, ev := range evs {
			if err := s.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordAudit(ctx, AuditEvent{}); err == nil {
			t.Error("an event without an operation was accepted")
		}
		got, err := s.AuditEvents(ctx, testNow.Add(-time.Hour), 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("%d events, %v", len(got), err)
		}
		evs[1].Time = testNow
		for i := range got {
			if !got[i].Time.Equal(evs[i].Time) {
				t.Errorf("event %d at %v, want %v", i, got[i].Time, evs[i].Time)
			}
			got[i].Time = evs[i].Time
			if got[i] != evs[i] {
				t.Errorf("event %d = %+v, want %+v", i, got[i], evs[i])
			}
		}
		if later, _ := s.AuditEvents(ctx, testNow.Add(-time.Second), 1); len(later) != 1 || later[0].RequestID != "req-2" {
			t.Errorf("events since a time: %+v", later)
		}
	})
}

func TestWatchCursorRoundTrip(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if _, err := s.WatchCursorOf(ctx, "t1", "g1", "Observation"); err != ErrNotFound {
			t.Errorf("a new watch: %v", err)
		}
		for _, v := range []string{"2026-10-20T10:00:00.123+02:00", "2026-10-20T10:05:00Z"} {
			if err := s.SetWatchCursor(ctx, WatchCursor{Tenant: "t1", GroupID: "g1", ResourceType: "Observation", LastUpdated: v}); err != nil {
				t.Fatal(err)
			}
			c, err := s.WatchCursorOf(ctx, "t1", "g1", "Observation")
			if err != nil || c.LastUpdated != v {
				t.Errorf("cursor = %q, %v; want %q", c.LastUpdated, err, v)
			}
		}
	})
}

func TestStoreIsTheServicesAuditor(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		var a adapter.Auditor = s
		ev := adapter.AuditEvent{Time: testNow, RequestID: "req-9", Token: "ehr", Operation: adapter.AuditGroupJobEnd,
			GroupID: "g2", Job: "0123abcd", Write: true, Status: 200, Outcome: "completed"}
		if err := a.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuditEvents(ctx, testNow.Add(-time.Hour), 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("%d events, %v", len(got), err)
		}
		got[0].Time = ev.Time
		if adapter.AuditEvent(got[0]) != ev {
			t.Errorf("recorded %+v, want %+v", got[0], ev)
		}
	})
}
