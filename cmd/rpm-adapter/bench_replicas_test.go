package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

var (
	benchOnce     sync.Once
	benchGroup    string
	benchPatients []string
)

// BenchmarkE2EGroupJobReplicas (issue 12, point 7): one async Group job of
// 1,045 patients (19 copies of the embedded sample, loaded once per
// process) read from HAPI and evaluated by one and by two serve replicas
// (child processes) on one PostgreSQL; each iteration is one job, from the
// POST to the 200. Set RPM_BENCH_REPLICAS=1, RPM_E2E_FHIR_BASE and
// RPM_TEST_POSTGRES_DSN; RPM_BENCH_COPIES changes the size, and
// RPM_BENCH_WRITE=1 makes the job write back. Run with -benchtime=1x and
// -count=N: the sub-benchmarks alternate (1, 2, 1, 2, …).
func BenchmarkE2EGroupJobReplicas(b *testing.B) {
	if os.Getenv("RPM_BENCH_REPLICAS") == "" {
		b.Skip("set RPM_BENCH_REPLICAS=1, RPM_E2E_FHIR_BASE and RPM_TEST_POSTGRES_DSN")
	}
	srv := e2etest.NewServer(b)
	copies := 19
	if v := os.Getenv("RPM_BENCH_COPIES"); v != "" {
		var err error
		copies, err = strconv.Atoi(v)
		require.NoError(b, err, "RPM_BENCH_COPIES")
	}
	benchOnce.Do(func() {
		t0 := time.Now()
		s, err := e2etest.LoadSample()
		require.NoError(b, err)
		var first *e2etest.Dataset
		for range copies {
			ds := e2etest.Load(b, srv, s.Patients...)
			if first == nil {
				first = ds
			}
			benchPatients = append(benchPatients, ds.IDs()...)
		}
		benchGroup = first.Prefix + "bench"
		require.NoError(b, e2etest.PutGroup(b.Context(), srv, benchGroup, benchPatients))
		b.Logf("%d patients loaded into HAPI in %v", len(benchPatients), time.Since(t0).Round(time.Second))
	})
	require.NotEmpty(b, benchPatients, "loading failed in an earlier run")
	write := os.Getenv("RPM_BENCH_WRITE") == "1"
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			pg := postgresURL(b)
			dir := b.TempDir()
			var bases []string
			for i := range n {
				base, _ := startServeChild(b, "--fhir-base", srv.Base, "--db", pg, "--api-tokens=e2e:write:"+e2eWriteSecret,
					"--out", filepath.Join(dir, fmt.Sprint("out-", i)))
				bases = append(bases, base)
			}
			op := bases[0] + "/Group/" + benchGroup + "/$rpm-eligibility"
			if write {
				op += "-write"
			}
			body := parameters("2026-10")
			for b.Loop() {
				code, hdr, res := apiCall(b, http.MethodPost, op, e2eWriteSecret, body, map[string]string{"Prefer": "respond-async"})
				require.Equal(b, http.StatusAccepted, code, string(res))
				status := bases[len(bases)-1] + strings.TrimPrefix(hdr.Get("Content-Location"), bases[0])
				deadline := time.Now().Add(30 * time.Minute)
				for {
					code, _, res = apiCall(b, http.MethodGet, status, e2eWriteSecret, nil, nil)
					if code != http.StatusAccepted {
						break
					}
					require.True(b, time.Now().Before(deadline), "the job did not finish in 30 minutes")
					time.Sleep(100 * time.Millisecond)
				}
				require.Equal(b, http.StatusOK, code, string(res))
				require.Contains(b, string(res), fmt.Sprintf(`{"name":"patients","valueInteger":%d}`, len(benchPatients)))
			}
			b.ReportMetric(float64(len(benchPatients))*float64(b.N)/b.Elapsed().Seconds(), "patients/s")
		})
	}
}
