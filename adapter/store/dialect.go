package store

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// dialect is what differs between the two databases; everything else in the
// package is written once.
type dialect interface {
	// name is "sqlite" or "postgres".
	name() string
	// migrations are the numbered .sql files of this database.
	migrations() fs.FS
	// versionTable creates the schema version table if it is missing.
	versionTable() string
	// migrate runs the store's migrations (store, given how to run one in
	// a transaction) and, when river is set, River's, holding a lock that
	// keeps another process from migrating at the same time.
	migrate(ctx context.Context, store func(inTx txRunner) error, river bool) error
	// rebind turns the ? placeholders of a query into the database's own.
	rebind(query string) string
	// timeArg is how an instant is passed.
	timeArg(t time.Time) any
	// prepares says the recording's statements are prepared at Open.
	prepares() bool
	close()
}

// instantLayout is fixed width (microseconds, PostgreSQL's precision), so on
// SQLite, where instants are text, text order is time order.
const instantLayout = "2006-01-02T15:04:05.000000Z"

func sub(dir string) fs.FS {
	f, err := fs.Sub(migrationFiles, "migrations/"+dir)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return f
}

// dollarPlaceholders rewrites ? to $1, $2, … outside quoted text.
func dollarPlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
