package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// cliPatients are 2026-10 worked cases: 99454, 99445, 99457/99458, 99470.
var cliPatients = []string{"wc-c03", "wc-c08", "wc-c10", "wc-c13", "wc-c15", "edge-ccm-time"}

// TestE2ECLIEvaluateWritesToTheServer runs
// `evaluate --fhir-base … --patient … --month 2026-10 --write` through
// realMain: exit 0, a table on stdout, and on the server the ChargeItems and
// MeasureReports expected.json gives; a rerun with --page-size 3 (HAPI's
// next links) leaves the same resources.
func TestE2ECLIEvaluateWritesToTheServer(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, cliPatients...)
	args := []string{"evaluate", "--fhir-base", srv.Base, "--patient", strings.Join(ds.IDs(), ","), "--month", "2026-10", "--write"}

	code, out, errs := run(t, nil, args...)
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errs, out)
	assert.Contains(t, out, fmt.Sprintf("%d patients, 0 failed", len(cliPatients)))
	assert.Regexp(t, ds.ID("wc-c10")+`\s+month 2026-10\s+100\s+yes\s+99457 99458x3`, out)
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates)
	checkOracle(t, st, ds, cliPatients...)

	code, out, errs = run(t, nil, append(args, "--page-size", "3")...)
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errs, out)
	again, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Equal(t, st.Keys(), again.Keys(), "--page-size 3 gives the same resources")
}

// TestE2ECLIMissingPatientExitsOneOthersWritten asks for a patient the
// server does not hold among others: exit 1, the table names it as failed,
// and the others' results are on the server.
func TestE2ECLIMissingPatientExitsOneOthersWritten(t *testing.T) {
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, "wc-c08", "wc-c09")
	missing := ds.ID("nobody")
	code, out, errs := run(t, nil, "evaluate", "--fhir-base", srv.Base, "--month", "2026-10", "--write",
		"--patient", ds.ID("wc-c08"), "--patient", missing, "--patient", ds.ID("wc-c09"))
	require.Equal(t, exitPartial, code, "stderr: %s\nstdout: %s", errs, out)
	assert.Regexp(t, missing+`\s+.*failed: load: not found`, out)
	assert.Contains(t, out, "3 patients, 1 failed")
	st, err := e2etest.Snapshot(context.Background(), srv, ds.IDs())
	require.NoError(t, err)
	checkOracle(t, st, ds, "wc-c08", "wc-c09")
}

// TestE2ECLITwoConcurrentInvocationsLeaveNoDuplicates runs two evaluate
// commands over the same patients at the same time (two processes' worth
// of clients: nothing shared but the server) and checks that every
// identifier is on exactly one resource and the results are the rule book's.
func TestE2ECLITwoConcurrentInvocationsLeaveNoDuplicates(t *testing.T) {
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, cliPatients...)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]string, 2)
	for i := range codes {
		wg.Go(func() {
			codes[i], outs[i], _ = run(t, nil, "evaluate", "--fhir-base", srv.Base, "--month", "2026-10", "--write",
				"--concurrency", "3", "--patient", strings.Join(ds.IDs(), ","))
		})
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, exitOK, c, "invocation %d:\n%s", i, outs[i])
	}
	st, err := e2etest.Snapshot(context.Background(), srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates)
	checkOracle(t, st, ds, cliPatients...)
}

// TestE2ECLIBulkExportMatchesPerPatientPull creates a Group of prefixed
// members and runs `evaluate --group … --bulk --bulk-poll-max 1s` (HAPI's
// Group/$export with _type, polled although HAPI says Retry-After: 120) and
// the per-patient searches over the same server state: the same
// ChargeItems and MeasureReports (ids, codes, units, statuses, windows).
// Then the bulk run writes back, and the server holds the rule book's items.
func TestE2ECLIBulkExportMatchesPerPatientPull(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	patients := append([]string{"edge-no-timezone", "pt-00004"}, cliPatients...)
	ds := e2etest.Load(t, srv, patients...)
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))

	bulkDir, pullDir := t.TempDir(), t.TempDir()
	code, out, errs := run(t, nil, "evaluate", "--fhir-base", srv.Base, "--group", group, "--bulk",
		"--bulk-poll-max", "1s", "--month", "2026-10", "--out", bulkDir)
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errs, out)
	assert.Contains(t, out, fmt.Sprintf("%d patients, 0 failed", len(patients)))
	assert.Regexp(t, ds.ID("edge-no-timezone")+`\s+.*not evaluated: no time zone`, out)

	code, out, errs = run(t, nil, "evaluate", "--fhir-base", srv.Base, "--group", group,
		"--month", "2026-10", "--out", pullDir)
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errs, out)

	for _, typ := range []string{"ChargeItem", "MeasureReport", "Task"} {
		bulk, pull := ndjsonItems(t, bulkDir, typ, ds), ndjsonItems(t, pullDir, typ, ds)
		assert.Equal(t, pull, bulk, "%s: bulk export and per-patient pull agree", typ)
		if typ != "Task" {
			assert.NotEmpty(t, bulk, typ)
		}
	}

	code, out, errs = run(t, nil, "evaluate", "--fhir-base", srv.Base, "--group", group, "--bulk",
		"--bulk-poll-max", "1s", "--month", "2026-10", "--write")
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errs, out)
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates)
	checkOracle(t, st, ds, cliPatients...)
	assert.Equal(t, ndjsonItems(t, pullDir, "ChargeItem", ds), serverItems(st, ds, "ChargeItem"), "the server holds the pulled ChargeItems")
}

func serverItems(st *e2etest.State, ds *e2etest.Dataset, typ string) []string {
	out := []string{}
	for _, it := range st.Items {
		if it.Type == typ {
			c := it
			c.Version, c.Identifier = "", ""
			out = append(out, it.ID+" "+c.Content(ds.Orig(it.Patient)))
		}
	}
	slices.Sort(out)
	return out
}
