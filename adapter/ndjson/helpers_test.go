package ndjson_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// sampleSource loads the embedded sample export once per test.
func sampleSource(t *testing.T) *ndjson.Source {
	t.Helper()
	fsys, err := rpmadapter.SampleExport()
	require.NoError(t, err)
	src, err := ndjson.Load(context.Background(), fsys, nil)
	require.NoError(t, err)
	return src
}

func newEvaluator(t *testing.T, now time.Time) *adapter.Evaluator {
	t.Helper()
	w, err := fhirmap.NewWriter(fhirmap.WriteOptions{Tenant: "test"})
	require.NoError(t, err)
	return &adapter.Evaluator{Policy: rules.DefaultPolicy(), Profiles: e2etest.ExampleProfiles(t), Writer: w, Now: func() time.Time { return now }}
}

// Five days after October 2026: every period ending in it is closed.
var octoberRun = time.Date(2026, time.November, 5, 12, 0, 0, 0, time.UTC)
