package adapter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// TestE2EWorkedCasesWrittenBackMatchTheRuleBook loads every patient of
// expected.json (the worked cases C1–C17 and the edge cases) into HAPI,
// evaluates each case's month through the library with the clock at the
// case's as_of, and checks by searching the server that the ChargeItems
// (code, units, status, window), the MeasureReports (measure, score,
// status, window) and the absence of Tasks (every window closed) are what
// the rule book says.
func TestE2EWorkedCasesWrittenBackMatchTheRuleBook(t *testing.T) {
	srv := e2etest.NewServer(t)
	oracle, err := e2etest.Oracle()
	require.NoError(t, err)
	var patients []string
	for _, c := range oracle.Cases {
		patients = append(patients, c.Patient)
	}
	ds := e2etest.Load(t, srv, patients...)

	// One run per (month, as_of), in the order of the months, so that a
	// patient with two evaluations (C14, C16) is evaluated month by month.
	type run struct{ month, asOf string }
	byRun := map[run][]string{}
	var runs []run
	for _, c := range oracle.Cases {
		for _, ev := range c.Evaluations {
			r := run{ev.Month, ev.AsOf}
			if _, ok := byRun[r]; !ok {
				runs = append(runs, r)
			}
			byRun[r] = append(byRun[r], ds.ID(c.Patient))
		}
	}
	slices.SortStableFunc(runs, func(a, b run) int { return strings.Compare(a.month, b.month) })
	for _, r := range runs {
		runner := e2etest.NewRunner(t, e2etest.RunConfig{Base: srv.Base, Now: e2etest.NoonUTC(t, r.asOf)})
		sum := e2etest.RunMonth(t, runner, r.month, byRun[r])
		for _, row := range sum.Rows {
			require.NotNil(t, row.Outcome, row.PatientID)
		}
	}

	st, err := e2etest.Snapshot(context.Background(), srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates, "identifiers written twice")
	t.Logf("%d patients: %d resources written (%d ChargeItems)", len(patients), len(st.Items), countType(st, "ChargeItem"))
	for _, c := range oracle.Cases {
		pid := ds.ID(c.Patient)
		t.Run(fmt.Sprintf("%s %s", c.Case, c.Patient), func(t *testing.T) {
			var allCharges []string
			nReports := 0
			for _, ev := range c.Evaluations {
				if ev.NotEvaluated != "" {
					// R-DAY-4: nothing is guessed, so nothing is written.
					assert.Empty(t, st.Charges(pid, nil))
					assert.Empty(t, st.Reports(pid, nil))
					continue
				}
				w := e2etest.Windows(ev)
				assert.Equal(t, e2etest.ExpectedCharges(ev), st.Charges(pid, w), "ChargeItems of %s", ev.Month)
				assert.Equal(t, e2etest.ExpectedReports(ev), st.Reports(pid, w), "MeasureReports of %s", ev.Month)
				allCharges = append(allCharges, e2etest.ExpectedCharges(ev)...)
				nReports += len(w)
			}
			// Nothing else: no stray item in another window, no Task for a
			// closed window.
			slices.Sort(allCharges)
			assert.Equal(t, nonNil(allCharges), st.Charges(pid, nil), "all ChargeItems")
			assert.Len(t, st.Reports(pid, nil), nReports, "all MeasureReports")
			assert.Empty(t, st.Tasks(pid), "Tasks of closed windows")
		})
	}
}

func countType(st *e2etest.State, typ string) int {
	n := 0
	for _, it := range st.Items {
		if it.Type == typ {
			n++
		}
	}
	return n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
