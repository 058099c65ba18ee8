package main

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Exports at once on one store, each opening it as a separate process
// would: every billable line of the month is charged in exactly one of the
// batches. On SQLite and on PostgreSQL (RPM_TEST_POSTGRES_DSN).
func TestConcurrentExportsShareNoLine(t *testing.T) {
	for _, c := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") }},
		{"postgres", func(t *testing.T) string { return postgresURL(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := c.db(t)
			out := evaluateInto(t, db, "")
			const n = 4
			var wg sync.WaitGroup
			outs := make([]string, n)
			codes := make([]int, n)
			errs := make([]string, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i], outs[i], errs[i] = run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
				}()
			}
			wg.Wait()
			seen := map[string]bool{}
			for i := range n {
				require.Equal(t, 0, codes[i], errs[i])
				for _, r := range csvRows(t, outs[i])[1:] {
					require.False(t, seen[r[1]], "line %s in two batches", r[1][:8])
					seen[r[1]] = true
				}
			}
			require.Len(t, seen, len(billableChargeItems(t, out)))
		})
	}
}
