package adapter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// memorySink keeps what it was given, as the NDJSON or FHIR sink would
// write it.
type memorySink struct {
	mu        sync.Mutex
	resources map[string]int // patient → resources written
	fail      string         // patient whose write fails
}

func (m *memorySink) Write(_ context.Context, out *adapter.Outcome) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if out.PatientID == m.fail {
		return errors.New("sink down")
	}
	if m.resources == nil {
		m.resources = map[string]int{}
	}
	m.resources[out.PatientID] += len(out.Resources)
	return nil
}

func runSample(t *testing.T, r *adapter.Runner, ids ...string) *adapter.Summary {
	t.Helper()
	job, err := adapter.ParseJob("2026-10", "", "")
	require.NoError(t, err)
	sum, err := r.Run(context.Background(), ids, job)
	require.NoError(t, err)
	return sum
}

var octoberRun = time.Date(2026, time.November, 5, 12, 0, 0, 0, time.UTC)

func TestARowKeepsTheVerdictsNotWhatTheSinkWrote(t *testing.T) {
	sink := &memorySink{}
	r := &adapter.Runner{Source: sampleSource(t), Sink: sink, Evaluator: newEvaluator(t, octoberRun), Concurrency: 3}
	sum := runSample(t, r, "wc-c03", "wc-c09")
	require.Zero(t, sum.Failed())
	for _, row := range sum.Rows {
		assert.Positive(t, sink.resources[row.PatientID], "the sink got the resources")
		out := row.Outcome
		assert.Empty(t, out.Resources)
		assert.Nil(t, out.Writes)
		assert.Nil(t, out.Activities, "the interactions go")
		require.NotNil(t, out.Result)
		for _, p := range out.Result.Periods {
			assert.Positive(t, p.Days, "the verdict stays")
			assert.Nil(t, p.Evidence, "the evidence goes")
		}
		for _, m := range out.Result.Months {
			assert.Nil(t, m.Evidence)
		}
	}
}

func TestKeepWrittenKeepsTheWholeOutcome(t *testing.T) {
	r := &adapter.Runner{Source: sampleSource(t), Sink: &memorySink{}, Evaluator: newEvaluator(t, octoberRun),
		KeepWritten: true}
	sum := runSample(t, r, "wc-c03")
	require.Zero(t, sum.Failed())
	out := sum.Rows[0].Outcome
	assert.NotEmpty(t, out.Resources)
	assert.NotEmpty(t, out.Result.Periods[0].Evidence)
}

func TestWithoutASinkTheRowsKeepEverything(t *testing.T) {
	r := &adapter.Runner{Source: sampleSource(t), Evaluator: newEvaluator(t, octoberRun)}
	sum := runSample(t, r, "wc-c03")
	require.Zero(t, sum.Failed())
	assert.NotEmpty(t, sum.Rows[0].Outcome.Resources)
	assert.NotEmpty(t, sum.Rows[0].Outcome.Result.Periods[0].Evidence)
}

func TestTheEvaluatorHandsTheInteractionsToTheSink(t *testing.T) {
	r := &adapter.Runner{Source: sampleSource(t), Evaluator: newEvaluator(t, octoberRun)}
	sum := runSample(t, r, "wc-c09")
	require.Zero(t, sum.Failed())
	assert.NotEmpty(t, sum.Rows[0].Outcome.Activities, "a store sink keeps them per month")
}

func TestAFailedWriteIsOneFailedRow(t *testing.T) {
	r := &adapter.Runner{Source: sampleSource(t), Sink: &memorySink{fail: "wc-c09"}, Evaluator: newEvaluator(t, octoberRun),
		Concurrency: 2}
	sum := runSample(t, r, "wc-c03", "wc-c09", "wc-c10")
	assert.Equal(t, 1, sum.Failed())
	for _, row := range sum.Rows {
		if row.PatientID == "wc-c09" {
			assert.ErrorContains(t, row.Err, "write: sink down")
			assert.NotNil(t, row.Outcome, "the evaluation stays when only the write failed")
		} else {
			assert.NoError(t, row.Err)
		}
	}
}

func TestForgetDropsEachPatientOnceAllItsRowsAreDone(t *testing.T) {
	src := sampleSource(t)
	r := &adapter.Runner{Source: src, Sink: &memorySink{}, Evaluator: newEvaluator(t, octoberRun), Concurrency: 4,
		Forget: true}
	// A patient listed twice is evaluated twice: it is forgotten only after
	// its last row, whichever worker finishes first.
	ids := []string{"wc-c03", "wc-c09", "wc-c03", "wc-c10", "wc-c03"}
	sum := runSample(t, r, ids...)
	require.Zero(t, sum.Failed())
	require.Len(t, sum.Rows, len(ids))
	for _, id := range []string{"wc-c03", "wc-c09", "wc-c10"} {
		_, err := src.Load(context.Background(), id, adapter.Span{})
		assert.ErrorContains(t, err, "dropped", id)
	}
	_, err := src.Load(context.Background(), "wc-c08", adapter.Span{})
	assert.NoError(t, err, "a patient outside the run is kept")
	listed, err := src.Patients(context.Background(), "")
	require.NoError(t, err)
	assert.Contains(t, listed, "wc-c03", "a forgotten patient is still listed")
}

func TestWithoutForgetASourceServesAnotherRun(t *testing.T) {
	src := sampleSource(t)
	r := &adapter.Runner{Source: src, Sink: &memorySink{}, Evaluator: newEvaluator(t, octoberRun)}
	require.Zero(t, runSample(t, r, "wc-c03").Failed())
	require.Zero(t, runSample(t, r, "wc-c03").Failed())
}
