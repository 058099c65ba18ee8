package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
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

// TestSampleMatchesTheRuleBookOracle runs every worked case of the embedded
// sample through the whole reading path (NDJSON → fhirmap → rules → write
// back) and compares it with expected.json, which was written by hand from
// the rule book's worked cases C1–C17, not computed by the engine.
func TestSampleMatchesTheRuleBookOracle(t *testing.T) {
	raw, err := os.ReadFile("../testdata/sample-export/expected.json")
	require.NoError(t, err)
	var oracle generate.Expected
	require.NoError(t, json.Unmarshal(raw, &oracle))
	require.NotEmpty(t, oracle.Cases)
	src := sampleSource(t)

	for _, c := range oracle.Cases {
		for _, ev := range c.Evaluations {
			name := fmt.Sprintf("%s %s %s: %s", c.Case, c.Patient, ev.Month, c.Expectation)
			t.Run(name, func(t *testing.T) {
				asOf, err := rules.ParseDate(ev.AsOf)
				require.NoError(t, err)
				job, err := adapter.ParseJob(ev.Month, "", "")
				require.NoError(t, err)
				pd, err := src.Load(context.Background(), c.Patient, adapter.Span{})
				require.NoError(t, err)
				// Noon UTC of the run date is that date in every zone of the sample.
				now := asOf.Time().Add(12 * time.Hour)
				out, err := newEvaluator(t, now).Evaluate(pd, job)
				require.NoError(t, err)
				if ev.NotEvaluated != "" {
					assert.Nil(t, out.Result)
					assert.Contains(t, out.NotEvaluated, ev.NotEvaluated)
					assert.Empty(t, out.Resources)
					return
				}
				require.NotNil(t, out.Result, "not evaluated: %s", out.NotEvaluated)
				res := out.Result
				if c.Zone != "" {
					assert.Equal(t, c.Zone, res.Zone)
				}
				require.Len(t, res.Periods, len(ev.Periods))
				for i, want := range ev.Periods {
					got := res.Periods[i]
					assert.Equal(t, want.Start, got.Window.Start.String(), "period start")
					assert.Equal(t, want.End, got.Window.End.String(), "period end")
					assert.Equal(t, want.Index, got.Window.Index, "period index")
					assert.Equal(t, want.RuleSet, string(got.RuleSet))
					assert.Equal(t, want.Days, got.Days, "days")
					assert.False(t, got.Provisional)
					assert.Equal(t, lines(want.Lines), gotLines(got.Lines), "period code lines")
					checkFindings(t, want.Findings, got.Findings)
				}
				require.Len(t, res.Months, len(ev.Months))
				for i, want := range ev.Months {
					got := res.Months[i]
					assert.Equal(t, want.Start, got.Window.Start.String())
					assert.Equal(t, want.RuleSet, string(got.RuleSet))
					assert.Equal(t, want.Minutes, got.Minutes, "minutes")
					assert.Equal(t, want.Interactive, got.Interactive, "interactive")
					assert.Equal(t, want.UnbilledMinutes, got.UnbilledMinutes, "unbilled minutes")
					assert.Equal(t, lines(want.Lines), gotLines(got.Lines), "month code lines")
					checkFindings(t, want.Findings, got.Findings)
				}
				// One ChargeItem per code line, one MeasureReport per window.
				var nLines, nCI, nMR int
				for _, p := range res.Periods {
					nLines += len(p.Lines)
				}
				for _, m := range res.Months {
					nLines += len(m.Lines)
				}
				for _, r := range out.Resources {
					switch r.Type {
					case "ChargeItem":
						nCI++
					case "MeasureReport":
						nMR++
					}
				}
				assert.Equal(t, nLines, nCI, "ChargeItems")
				assert.Equal(t, len(res.Periods)+len(res.Months), nMR, "MeasureReports")
			})
		}
	}
}

func lines(ls []generate.ExpectedLine) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s x%d %s", l.Code, l.Units, l.DOS))
	}
	return out
}

func gotLines(ls []rules.CodeLine) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s x%d %s", l.Code, l.Units, l.DOS))
	}
	return out
}

func checkFindings(t *testing.T, want []generate.ExpectedFinding, got []rules.Finding) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, g := range got {
			if (w.Rule == "" || w.Rule == g.Rule) && (w.Code == "" || w.Code == g.Code) &&
				(w.Text == "" || strings.Contains(g.Message, w.Text)) {
				found = true
			}
		}
		assert.True(t, found, "finding %+v missing from %+v", w, got)
	}
}
