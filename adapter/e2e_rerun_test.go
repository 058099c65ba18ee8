package adapter_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// oct2026 are sample patients evaluated for 2026-10 as of 2026-11-01: device
// and time codes, 99445 and 99470, and an ordinary patient.
var oct2026 = []string{"wc-c03", "wc-c05", "wc-c08", "wc-c09", "wc-c10", "wc-c13", "edge-ccm-time", "pt-00001"}

// TestE2ESecondIdenticalRunLeavesTheSameResources checks fhir-mapping §3:
// a rerun with the same clock leaves exactly the same resources (same ids,
// identifiers, content and versions — HAPI does not version an identical
// PUT), a rerun days later leaves the same set of ids and identifiers, and
// every identifier is on exactly one resource, counted by search.
func TestE2ESecondIdenticalRunLeavesTheSameResources(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, oct2026...)
	run := func(asOf string) *e2etest.State {
		r := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, asOf)})
		e2etest.RunMonth(t, r, "2026-10", ds.IDs())
		st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
		require.NoError(t, err)
		require.Empty(t, st.Duplicates)
		return st
	}
	first := run("2026-11-01")
	require.NotEmpty(t, first.Items)
	second := run("2026-11-01")
	assert.Equal(t, first.Keys(), second.Keys(), "same resources after an identical rerun")
	assert.Equal(t, first.Versions(), second.Versions(), "an identical rerun changes no version")

	later := run("2026-11-05")
	assert.Equal(t, idsAndIdentifiers(first), idsAndIdentifiers(later), "same ids and identifiers a few days later")

	// Count by search, independently of the snapshot's subject search: the
	// resources carrying the written identifiers (one OR search per type),
	// one per identifier, and by _summary=count per patient.
	byType := map[string][]string{}
	for _, it := range later.Items {
		byType[it.Type] = append(byType[it.Type], e2etest.IdentifierSystem(it.Type)+"|"+it.Identifier)
	}
	for typ, ids := range byType {
		rs, err := srv.Search(ctx, typ, url.Values{"identifier": {strings.Join(ids, ",")}})
		require.NoError(t, err)
		per := map[string]int{}
		for _, r := range rs {
			per[r.Identifier(e2etest.IdentifierSystem(typ))]++
		}
		assert.Len(t, per, len(ids), "%s: every identifier found", typ)
		for v, n := range per {
			assert.Equal(t, 1, n, "%s resources with identifier %s", typ, v)
		}
	}
	total := 0
	for _, typ := range e2etest.WrittenTypes {
		for _, p := range ds.IDs() {
			n, err := srv.Count(ctx, typ, url.Values{"subject": {"Patient/" + p}, "_tag": {e2etest.GeneratedTag}})
			require.NoError(t, err)
			total += n
		}
	}
	assert.Equal(t, len(first.Items), total, "resources counted by search")
}

func idsAndIdentifiers(st *e2etest.State) []string {
	out := make([]string, len(st.Items))
	for i, it := range st.Items {
		out[i] = it.Type + "/" + it.ID + " " + it.Identifier
	}
	return out
}

// TestE2EReadingEnteredInErrorChangesTheChargeItem takes two patients with
// exactly 16 days in a period (C1 under 2025 rules, C6 under 2026 rules),
// sets the readings of one day to entered-in-error on the server and
// reruns: under cms-pfs-2026 the 99454 item becomes entered-in-error and a
// 99445 item appears (R-DEV-2); under cms-pfs-2021 the 99453 and 99454
// items become entered-in-error with nothing in their place (R-DEV-1).
func TestE2EReadingEnteredInErrorChangesTheChargeItem(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, "wc-c01", "wc-c06")
	cases := []struct {
		patient, month, asOf, window string
		before, after                []string
	}{
		{"wc-c01", "2025-10", "2025-11-01", "2025-10-01..2025-10-30",
			[]string{"99453 x1 billable", "99454 x1 billable"},
			[]string{"99453 x1 entered-in-error", "99454 x1 entered-in-error"}},
		{"wc-c06", "2026-10", "2026-11-01", "2026-10-01..2026-10-30",
			[]string{"99454 x1 billable"},
			[]string{"99445 x1 billable", "99454 x1 entered-in-error"}},
	}
	for _, c := range cases {
		pid := ds.ID(c.patient)
		r := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, c.asOf)})
		e2etest.RunMonth(t, r, c.month, []string{pid})
		st, err := e2etest.Snapshot(ctx, srv, []string{pid})
		require.NoError(t, err)
		assert.Equal(t, withWindow(c.before, c.window), st.Charges(pid, []string{c.window}), "%s before", c.patient)
		assert.Contains(t, st.Reports(pid, []string{c.window})[0], " 16 complete ")
		idsBefore := chargeIDs(st, pid)

		zone := e2etest.OracleCase(t, c.patient).Zone
		from, to, _ := strings.Cut(c.window, "..")
		day, err := e2etest.EnterDayInError(ctx, srv, pid, zone, from, to)
		require.NoError(t, err)
		t.Logf("%s: readings of %s set to entered-in-error", c.patient, day)

		e2etest.RunMonth(t, r, c.month, []string{pid})
		st, err = e2etest.Snapshot(ctx, srv, []string{pid})
		require.NoError(t, err)
		assert.Equal(t, withWindow(c.after, c.window), st.Charges(pid, []string{c.window}), "%s after", c.patient)
		assert.Contains(t, st.Reports(pid, []string{c.window})[0], " 15 complete ", "the MeasureReport counts 15 days")
		assert.Empty(t, st.Duplicates)
		// The withdrawn items are the same resources, not deleted ones.
		for id := range idsBefore {
			assert.Contains(t, chargeIDs(st, pid), id)
		}
	}
}

func withWindow(lines []string, window string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + " " + window
	}
	return out
}

func chargeIDs(st *e2etest.State, pid string) map[string]string {
	out := map[string]string{}
	for _, it := range st.Of(fhirmap.TypeChargeItem, pid) {
		out[it.ID] = it.Code + " " + it.Version
	}
	return out
}

// TestE2EBilledChargeItemIsNeverModified sets ChargeItems to billed on the
// server, as a billing system would, and reruns: a billed item the new
// evaluation agrees with (C9's 99457) keeps its version and raises no
// warning; a billed item the evaluation no longer supports (C5's 99454 after
// one day of readings is entered in error) keeps its version and status and
// the run reports a warning; the adapter's other items move on as usual.
func TestE2EBilledChargeItemIsNeverModified(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, "wc-c05", "wc-c09")
	c05, c09 := ds.ID("wc-c05"), ds.ID("wc-c09")
	r := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, "2026-11-01")})
	e2etest.RunMonth(t, r, "2026-10", ds.IDs())
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)

	bill := func(pid, code string) *e2etest.Resource {
		for _, it := range st.Of(fhirmap.TypeChargeItem, pid) {
			if it.Code == code {
				res, err := srv.Modify(ctx, it.Type, it.ID, func(m map[string]any) { m["status"] = "billed" })
				require.NoError(t, err)
				require.Equal(t, "billed", res.Status())
				return res
			}
		}
		t.Fatalf("%s has no %s item", pid, code)
		return nil
	}
	billed05 := bill(c05, "99454")
	billed09 := bill(c09, "99457")

	// A rerun that agrees with the billed items.
	sum := e2etest.RunMonth(t, r, "2026-10", ds.IDs())
	for _, row := range sum.Rows {
		assert.Empty(t, row.Outcome.Warnings, "%s: no warning when the evaluation agrees", row.PatientID)
	}
	requireUnchanged(t, srv, billed05)
	requireUnchanged(t, srv, billed09)

	// A rerun that disagrees with C5's billed 99454.
	_, err = e2etest.EnterDayInError(ctx, srv, c05, "America/Denver", "2026-10-01", "2026-10-30")
	require.NoError(t, err)
	sum = e2etest.RunMonth(t, r, "2026-10", ds.IDs())
	requireUnchanged(t, srv, billed05)
	requireUnchanged(t, srv, billed09)
	warnings := rowOf(t, sum, c05).Outcome.Warnings
	require.NotEmpty(t, warnings, "a billed item the evaluation no longer supports is reported")
	assert.Contains(t, strings.Join(warnings, " "), "already billed")
	st, err = e2etest.Snapshot(ctx, srv, []string{c05})
	require.NoError(t, err)
	assert.Contains(t, st.Charges(c05, nil), "99454 x1 billed 2026-10-01..2026-10-30")
}

func requireUnchanged(t *testing.T, srv *e2etest.Server, billed *e2etest.Resource) {
	t.Helper()
	now, err := srv.Read(context.Background(), billed.Type, billed.ID)
	require.NoError(t, err)
	assert.Equal(t, billed.Version, now.Version, "%s/%s was modified", billed.Type, billed.ID)
	assert.Equal(t, "billed", now.Status())
}

func rowOf(t *testing.T, sum *adapter.Summary, pid string) adapter.Row {
	t.Helper()
	for _, r := range sum.Rows {
		if r.PatientID == pid {
			return r
		}
	}
	t.Fatalf("no row for %s", pid)
	return adapter.Row{}
}

// TestE2EOpenWindowTaskIsClosedWhenTheWindowEnds evaluates C9 in the middle
// of October (windows open: pending MeasureReports and requested Tasks,
// fhir-mapping §2.3) and again after the month (complete MeasureReports,
// billable ChargeItems, the open window's planned items it no longer
// supports entered-in-error, and the same Tasks completed or cancelled).
func TestE2EOpenWindowTaskIsClosedWhenTheWindowEnds(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, "wc-c09")
	pid := ds.ID("wc-c09")

	open := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, "2026-10-08")})
	e2etest.RunMonth(t, open, "2026-10", []string{pid})
	st, err := e2etest.Snapshot(ctx, srv, []string{pid})
	require.NoError(t, err)
	tasks := st.Of(fhirmap.TypeTask, pid)
	require.NotEmpty(t, tasks, "an open window whose threshold is reachable has a Task")
	for _, it := range tasks {
		assert.Equal(t, "requested", it.Status)
	}
	for _, it := range st.Of(fhirmap.TypeMeasureReport, pid) {
		assert.Equal(t, "pending", it.Status, "MeasureReport of an open window")
	}
	for _, it := range st.Of(fhirmap.TypeChargeItem, pid) {
		assert.Equal(t, "planned", it.Status, "ChargeItem of an open window")
	}

	closed := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, "2026-11-01")})
	e2etest.RunMonth(t, closed, "2026-10", []string{pid})
	after, err := e2etest.Snapshot(ctx, srv, []string{pid})
	require.NoError(t, err)
	ev := e2etest.OracleCase(t, "wc-c09").Evaluations[0]
	var live []string
	for _, c := range after.Charges(pid, nil) {
		if !strings.Contains(c, " entered-in-error ") {
			live = append(live, c)
		}
	}
	assert.Equal(t, e2etest.ExpectedCharges(ev), live)
	// A planned item of the open window is either the closed window's
	// billable item (same id) or withdrawn: entered-in-error, never deleted.
	final := chargeIDs(after, pid)
	for _, it := range st.Of(fhirmap.TypeChargeItem, pid) {
		require.Contains(t, final, it.ID)
		for _, a := range after.Of(fhirmap.TypeChargeItem, pid) {
			if a.ID == it.ID {
				assert.Contains(t, []string{"billable", "entered-in-error"}, a.Status, "%s after the window closed", a.Code)
			}
		}
	}
	assert.Equal(t, e2etest.ExpectedReports(ev), after.Reports(pid, nil))
	closedTasks := after.Of(fhirmap.TypeTask, pid)
	require.Len(t, closedTasks, len(tasks), "the same Tasks, no new ones")
	for i, it := range closedTasks {
		assert.Equal(t, tasks[i].ID, it.ID)
		assert.Contains(t, []string{"completed", "cancelled"}, it.Status, "Task %s after the window closed", it.Code)
	}
	assert.Empty(t, after.Duplicates)
}
