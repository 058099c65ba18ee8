package store

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
)

// driverCase is one database the suite runs on. dsn gives each test a
// database of its own: a fresh SQLite file, or a fresh PostgreSQL schema.
type driverCase struct {
	name string
	dsn  func(t testing.TB) string
}

// drivers is the table every store test runs over: the same tests on each
// database, the way riverqueue/river tests its drivers. SQLite always;
// PostgreSQL when RPM_TEST_POSTGRES_DSN names a server (testdata/postgres/
// start.sh starts one), and under CI=true its absence fails the run rather
// than silently testing one driver.
var drivers = []driverCase{
	{name: DriverSQLite, dsn: func(t testing.TB) string {
		return filepath.Join(t.TempDir(), "data", "rpm-adapter.db")
	}},
	{name: DriverPostgres, dsn: postgresDSN},
}

func forEachDriver(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Helper()
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) { f(t, d.dsn(t)) })
	}
}

// postgresDSN creates a schema for the test and returns a URL whose
// search_path selects it; the schema is dropped when the test ends.
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
	schema := "rpm_test_" + hex.EncodeToString(b[:])
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

// openTest opens a store for a test and closes it at the end.
func openTest(t testing.TB, dsn string, opts Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The store's PostgreSQL connections plan each statement for its values
// (openPostgres), unless the URL says otherwise.
func TestPostgresPlansEachStatementForItsValues(t *testing.T) {
	for _, d := range drivers {
		if d.name != DriverPostgres {
			continue
		}
		ctx := context.Background()
		dsn := d.dsn(t)
		for _, tc := range []struct{ dsn, want string }{
			{dsn, "force_custom_plan"},
			{dsn + "&plan_cache_mode=auto", "auto"},
		} {
			s := openTest(t, tc.dsn, Options{})
			var got string
			if err := s.db.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&got); err != nil || got != tc.want {
				t.Errorf("plan_cache_mode = %q, %v; want %q", got, err, tc.want)
			}
		}
	}
}
