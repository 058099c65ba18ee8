package adapter_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// countingSink counts the outcomes it receives, by patient.
type countingSink struct {
	mu  sync.Mutex
	got map[string]int
}

func (k *countingSink) Write(_ context.Context, out *adapter.Outcome) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.got == nil {
		k.got = map[string]int{}
	}
	k.got[out.PatientID]++
	return nil
}

func TestServiceRecordsEveryEvaluationWrittenOrNot(t *testing.T) {
	sink, record := &countingSink{}, &countingSink{}
	svc, err := adapter.NewService(sampleSource(t), newEvaluator(t, octoberRun), sink)
	require.NoError(t, err)
	svc.Record = record
	job, err := adapter.ParseJob("2026-10", "", "")
	require.NoError(t, err)

	_, err = svc.EvaluatePatient(t.Context(), "wc-c10", job, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"wc-c10": 1}, record.got, "a read is recorded")
	assert.Empty(t, sink.got, "a read is not written")

	_, err = svc.EvaluatePatient(t.Context(), "wc-c10", job, true)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"wc-c10": 1}, sink.got, "a write goes to the sink, which records it itself")
	assert.Equal(t, map[string]int{"wc-c10": 1}, record.got, "and is not recorded twice")
}
