package adapter_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// TestE2EConcurrentRunsLeaveNoDuplicates runs two independent Runners (two
// clients, two sinks: nothing serialises them inside the adapter) over the
// same patients at the same time, and checks that the server holds exactly
// the resources one run says it wrote: no duplicate, no stray item.
func TestE2EConcurrentRunsLeaveNoDuplicates(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, oct2026...)
	now := e2etest.NoonUTC(t, "2026-11-01")

	sums := make([]*adapter.Summary, 2)
	runners := make([]*adapter.Runner, 2)
	logs := &e2etest.LogCounter{}
	var wg sync.WaitGroup
	for i := range sums {
		r := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: now, Logger: logs.Logger()})
		runners[i] = r
		// The same order makes the two runs write each patient at about
		// the same moment.
		ids := ds.IDs()
		wg.Go(func() { sums[i] = e2etest.RunMonthAllowFailures(t, r, "2026-10", ids) })
	}
	wg.Wait()
	t.Logf("FHIR answers other than 2xx during the concurrent runs: %v", logs.Statuses())
	for i, sum := range sums {
		for _, row := range sum.Rows {
			assert.NoError(t, row.Err, "run %d, patient %s", i, row.PatientID)
		}
	}

	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates)
	var server []string
	for _, it := range st.Items {
		server = append(server, it.Type+"/"+it.ID)
	}
	slices.Sort(server)
	for i, r := range runners {
		assert.Equal(t, written(t, r, ds.IDs()), server, "run %d wrote what the server holds", i)
	}
	// And a later sequential run finds nothing to change.
	versions := st.Versions()
	e2etest.RunMonth(t, e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: now}), "2026-10", ds.IDs())
	st, err = e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Equal(t, versions, st.Versions())
}

// written lists Type/ID of every resource the runner wrote for the patients.
func written(t *testing.T, r *adapter.Runner, ids []string) []string {
	var out []string
	rec := e2etest.Recorded(t, r)
	for _, id := range ids {
		o := rec.Outcome(id)
		require.NotNil(t, o, id)
		for _, r := range o.Resources {
			out = append(out, r.Type+"/"+r.ID)
		}
	}
	slices.Sort(out)
	return out
}

// TestE2ESmallPagesFollowHAPINextLinks evaluates the patients with the most
// readings with _count=500 and then with _count=3 through a counting proxy:
// the small pages make the adapter follow HAPI's own next links
// (?_getpages=…) many times, and the results and the written resources are
// the same as with one page (same content, so HAPI keeps every version).
func TestE2ESmallPagesFollowHAPINextLinks(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, "pt-00002", "pt-00005", "wc-c10", "edge-encounter-duration")
	now := e2etest.NoonUTC(t, "2026-11-01")

	large := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: now, PageSize: 500})
	e2etest.RunMonth(t, large, "2026-10", ds.IDs())
	before, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	require.NotEmpty(t, before.Items)

	proxy := e2etest.NewProxy(t, srv.Base)
	small := e2etest.NewRunner(t, e2etest.RunConfig{Base: proxy.URL, Now: now, PageSize: 3})
	e2etest.RunMonth(t, small, "2026-10", ds.IDs())
	t.Logf("page size 3: %d requests, %d of them next-page links", proxy.Requests(), proxy.Pages())
	assert.Greater(t, proxy.Pages(), 40, "HAPI's next links were followed")

	for _, id := range ds.IDs() {
		l, s := e2etest.Recorded(t, large).Outcome(id), e2etest.Recorded(t, small).Outcome(id)
		require.NotNil(t, l, id)
		require.NotNil(t, s, id)
		require.NotEmpty(t, l.Resources, id)
		assert.Equal(t, l.Result, s.Result, "%s: same evaluation with small pages", id)
		assert.Equal(t, resourceJSON(l), resourceJSON(s), "%s: same write-back", id)
	}
	after, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Equal(t, before.Keys(), after.Keys())
	assert.Equal(t, before.Versions(), after.Versions(), "nothing to change after the small-page run")
}

func resourceJSON(out *adapter.Outcome) []string {
	var s []string
	for _, r := range out.Resources {
		s = append(s, string(r.JSON))
	}
	return s
}

// TestE2EFaultsGiveTheSameFinalStateAsAFaultFreeRun loads the same patients
// twice (two prefixes), evaluates one copy directly and the other through a
// proxy that injects 429 (Retry-After: 1), 503, connections dropped before
// and after HAPI handled the request, and slow answers, and checks that the
// final server states are the same: the same ChargeItems (code, units,
// status, window), MeasureReports and Tasks per patient. A fault-free rerun
// over the faulted copy then changes nothing.
func TestE2EFaultsGiveTheSameFinalStateAsAFaultFreeRun(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	patients := []string{"wc-c05", "wc-c08", "wc-c09", "wc-c10", "wc-c15", "edge-in-person", "pt-00003"}
	clean := e2etest.Load(t, srv, patients...)
	faulted := e2etest.Load(t, srv, patients...)
	now := e2etest.NoonUTC(t, "2026-11-01")

	e2etest.RunMonth(t, e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: now}), "2026-10", clean.IDs())
	want, err := e2etest.Snapshot(ctx, srv, clean.IDs())
	require.NoError(t, err)

	proxy := e2etest.NewProxy(t, srv.Base,
		e2etest.Pass, e2etest.TooMany, e2etest.Unavailable, e2etest.Pass, e2etest.Drop,
		e2etest.Pass, e2etest.DropAfter, e2etest.Slow, e2etest.Pass, e2etest.Unavailable)
	proxy.Delay = 400 * time.Millisecond
	r := e2etest.NewRunner(t, e2etest.RunConfig{Base: proxy.URL, Now: now, PageSize: 20})
	e2etest.RunMonth(t, r, "2026-10", faulted.IDs())
	injected := proxy.Injected()
	t.Logf("faults injected: %v over %d requests", injected, proxy.Requests())
	for _, f := range []e2etest.Fault{e2etest.TooMany, e2etest.Unavailable, e2etest.Drop, e2etest.DropAfter, e2etest.Slow} {
		assert.Positive(t, injected[f], "fault %s injected", f)
	}

	got, err := e2etest.Snapshot(ctx, srv, faulted.IDs())
	require.NoError(t, err)
	assert.Empty(t, got.Duplicates)
	assert.Equal(t, want.Contents(clean), got.Contents(faulted), "same final state as the fault-free run")

	versions := got.Versions()
	rerun := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: now})
	e2etest.RunMonth(t, rerun, "2026-10", faulted.IDs())
	again, err := e2etest.Snapshot(ctx, srv, faulted.IDs())
	require.NoError(t, err)
	assert.Equal(t, versions, again.Versions(), "a fault-free rerun finds nothing to change")
	var ids []string
	for _, it := range again.Items {
		ids = append(ids, it.Type+"/"+it.ID)
	}
	slices.Sort(ids)
	assert.Equal(t, written(t, rerun, faulted.IDs()), ids, "the ids are those a fault-free run writes")
}

// TestE2EExpiredSearchPageFailsThePatientAsUpstream makes every further
// search page expire (HAPI answers 410 Gone, "Search ID … does not exist and
// may have expired", once its search cache drops a search): the patient's
// evaluation fails as an upstream failure — not as an unknown patient, which
// the API would turn into a 404 — and nothing partial is written.
func TestE2EExpiredSearchPageFailsThePatientAsUpstream(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, "wc-c10")
	proxy := e2etest.NewProxy(t, srv.Base)
	proxy.ExpirePages = true
	r := e2etest.NewRunner(t, e2etest.RunConfig{Base: proxy.URL, Now: e2etest.NoonUTC(t, "2026-11-01"), PageSize: 5})
	sum := e2etest.RunMonthAllowFailures(t, r, "2026-10", ds.IDs())
	require.Len(t, sum.Rows, 1)
	err := sum.Rows[0].Err
	require.Error(t, err, "a page that cannot be read fails the pull")
	assert.Positive(t, proxy.Pages())
	assert.NotErrorIs(t, err, adapter.ErrNotFound, "an expired page is not an unknown patient")
	assert.ErrorIs(t, err, fhirclient.ErrNotFound, "the client's own classification of 410 is kept")
	svc, svcErr := adapter.NewService(r.Source, r.Evaluator, nil)
	require.NoError(t, svcErr)
	_, err = svc.EvaluatePatient(ctx, ds.ID("wc-c10"), mustJob(t, "2026-10"), false)
	assert.Equal(t, api.EUPSTREAM, api.ErrorCode(err), "the API answers 502, not 404: %v", err)
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Items, "nothing written from a partial pull")
}

func mustJob(t *testing.T, month string) adapter.Job {
	t.Helper()
	j, err := adapter.ParseJob(month, "", "")
	require.NoError(t, err)
	return j
}
