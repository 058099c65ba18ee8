package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/adapter/watch"
)

// The watch's measurements (issue 13, README "Keeping results current"):
// not tests of a speed goal, so they run only when asked, against HAPI:
//
//	RPM_WATCH_MEASURE=1 RPM_E2E_FHIR_BASE=http://127.0.0.1:8091/fhir \
//	  go test -count=1 -run 'TestWatchMeasure' -v ./cmd/rpm-adapter/
func measureOnly(t *testing.T) *e2etest.Server {
	t.Helper()
	if os.Getenv("RPM_WATCH_MEASURE") == "" {
		t.Skip("a measurement: set RPM_WATCH_MEASURE=1 (and RPM_E2E_FHIR_BASE)")
	}
	return e2etest.NewServer(t)
}

// measureLag posts 50 readings one after the other (10 per patient, each on
// a new day of a period opened 10 days ago, whose Task then says how many of
// the 16 days are still needed) and times POST Observation → the
// patient's device-days Task text changed on HAPI.
func measureLag(t *testing.T, ctx context.Context, srv *e2etest.Server, pats []watchPatient) []time.Duration {
	t.Helper()
	var lags []time.Duration
	for i := range 10 {
		for _, p := range pats {
			_, before := openReport(t, ctx, srv, p.ID)
			postReading(t, ctx, srv, p.ID, p.Start.AddDate(0, 0, i).Add(10*time.Hour))
			lags = append(lags, watchWait(t, 2*time.Minute, fmt.Sprintf("the Task's new text after reading %d (was %q)", i, before), func() bool {
				_, now := openReport(t, ctx, srv, p.ID)
				return now != before && now != ""
			}))
		}
	}
	return lags
}

func percentiles(lags []time.Duration) (p50, p95, maxLag time.Duration) {
	s := slices.Clone(lags)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1)+0.5)] }
	return at(0.5), at(0.95), s[len(s)-1]
}

func lagPatients(t *testing.T, ctx context.Context, srv *e2etest.Server, pre string) ([]watchPatient, string) {
	t.Helper()
	var pats []watchPatient
	var ids []string
	for i := range 5 {
		p := putWatchPatient(t, ctx, srv, fmt.Sprintf("%sp%d", pre, i), 10, 0)
		pats = append(pats, p)
		ids = append(ids, p.ID)
	}
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ids))
	return pats, group
}

// TestWatchMeasureLag: p50 and p95 of the lag over 50 changes, with
// subscriptions (polling every hour) and with polling only (every 10 s),
// both with --debounce 2s.
func TestWatchMeasureLag(t *testing.T) {
	srv := measureOnly(t)
	ctx := context.Background()
	t.Run("subscriptions", func(t *testing.T) {
		pats, group := lagPatients(t, ctx, srv, e2etest.NewPrefix(t))
		criteria := "Observation?subject="
		for i, p := range pats {
			if i > 0 {
				criteria += ","
			}
			criteria += "Patient/" + p.ID
		}
		api, _, _ := subscribedServe(t, srv, group, "--subscription-criteria", criteria)
		watchWait(t, 60*time.Second, "the first evaluations", func() bool {
			return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 5
		})
		p50, p95, mx := percentiles(measureLag(t, ctx, srv, pats))
		t.Logf("lag POST Observation -> Task on HAPI, subscriptions, debounce 2s, 50 changes: p50 %s p95 %s max %s",
			p50.Round(10*time.Millisecond), p95.Round(10*time.Millisecond), mx.Round(10*time.Millisecond))
	})
	t.Run("polling", func(t *testing.T) {
		pats, group := lagPatients(t, ctx, srv, e2etest.NewPrefix(t))
		api, _, _ := watchServe(t, filepath.Join(t.TempDir(), "w.db"), "--fhir-base", srv.Base, "--watch-group", group,
			"--watch-interval", "10s", "--debounce", "2s", "--write")
		watchWait(t, 60*time.Second, "the first evaluations", func() bool {
			return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 5
		})
		p50, p95, mx := percentiles(measureLag(t, ctx, srv, pats))
		t.Logf("lag POST Observation -> Task on HAPI, polling every 10s, debounce 2s, 50 changes: p50 %s p95 %s max %s",
			p50.Round(10*time.Millisecond), p95.Round(10*time.Millisecond), mx.Round(10*time.Millisecond))
	})
}

// TestWatchMeasureIdleCycle: the cost of one poll cycle that finds nothing
// for a Group of 1,000 members (requests to the FHIR server, time), from
// the watch state. The store is seeded with the members and cursors, as a
// watch that has run before would have them, so that no first cycle
// evaluates everybody.
func TestWatchMeasureIdleCycle(t *testing.T) {
	srv := measureOnly(t)
	ctx := context.Background()
	pre := e2etest.NewPrefix(t)
	var ids, lines []string
	for i := range 1000 {
		id := fmt.Sprintf("%sm%04d", pre, i)
		ids = append(ids, id)
		lines = append(lines, fmt.Sprintf(`{"resourceType":"Patient","id":%q,"active":true}`, id))
	}
	for chunk := range slices.Chunk(lines, 250) {
		tx, err := e2etest.TransactionOfPuts(chunk)
		require.NoError(t, err)
		_, err = srv.Transaction(ctx, tx)
		require.NoError(t, err)
	}
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ids))
	time.Sleep(2 * time.Second) // past the overlap below

	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(ctx, db, store.Options{})
	require.NoError(t, err)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	require.NoError(t, st.SetWatchMembers(ctx, "default", group, ids, nil, now))
	for _, typ := range watch.DefaultTypes {
		require.NoError(t, st.SetWatchCursor(ctx, store.WatchCursor{Tenant: "default", GroupID: group, ResourceType: typ, LastUpdated: now}))
	}
	require.NoError(t, st.Close())

	api, _, _ := watchServe(t, db, "--fhir-base", srv.Base, "--watch-group", group, "--watch-interval", "5s", "--watch-overlap", "1s")
	for n := 1.0; n <= 5; n++ {
		cyclesOK(t, api, n, 60*time.Second)
		g := watchStatus(t, api)["groups"].([]any)[0].(map[string]any)
		t.Logf("idle cycle %v, 1,000 members: %v FHIR requests, %v changes, %v queued, %s", n, g["lastRequests"], g["lastChanges"],
			g["lastQueued"], g["lastDuration"])
	}
	require.Equal(t, 0.0, metricValue(t, api, "rpm_watch_patients_queued_total", ""))
}
