package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// drivers is the table every test runs over, the way River tests its
// drivers: SQLite always, PostgreSQL when RPM_TEST_POSTGRES_DSN names a
// server (testdata/postgres/start.sh); under CI=true its absence fails.
var drivers = []struct {
	name string
	dsn  func(t testing.TB) string
}{
	{store.DriverSQLite, func(t testing.TB) string { return filepath.Join(t.TempDir(), "rpm-adapter.db") }},
	{store.DriverPostgres, postgresDSN},
}

func forEachDriver(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Helper()
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) { f(t, d.dsn(t)) })
	}
}

// postgresDSN makes a schema for the test and returns a URL selecting it.
func postgresDSN(t testing.TB) string {
	base := os.Getenv("RPM_TEST_POSTGRES_DSN")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RPM_TEST_POSTGRES_DSN is not set: under CI=true the PostgreSQL driver must be tested (testdata/postgres/start.sh)")
		}
		t.Skip("RPM_TEST_POSTGRES_DSN is not set (testdata/postgres/start.sh starts a server)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to RPM_TEST_POSTGRES_DSN: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rpm_jobs_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating a test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("RPM_TEST_POSTGRES_DSN is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openStore opens a store on dsn, closed when the test ends.
func openStore(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
