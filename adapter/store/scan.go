package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The two drivers return dates and instants differently: PostgreSQL's DATE
// and TIMESTAMPTZ arrive as time.Time, SQLite's text as strings. These
// scanners take either.

// dateArg passes a local date as 'YYYY-MM-DD' (NULL for NoDate): SQLite keeps
// the text, PostgreSQL parses it into a DATE.
func dateArg(d rules.Date) any {
	if d == rules.NoDate {
		return nil
	}
	return d.String()
}

type dateScan struct{ d *rules.Date }

func (s dateScan) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.d = rules.NoDate
	case time.Time:
		*s.d = rules.DateOf(v.Date())
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("store: a date of type %T", v)
	}
	return nil
}

func (s dateScan) parse(v string) error {
	d, err := rules.ParseDate(v[:min(len(v), 10)])
	if err != nil {
		return fmt.Errorf("store: a stored date is not YYYY-MM-DD")
	}
	*s.d = d
	return nil
}

type timeScan struct{ t *time.Time }

func (s timeScan) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("store: an instant of type %T", v)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, strings.Replace(v, " ", "T", 1))
	if err != nil {
		return fmt.Errorf("store: a stored instant is not RFC 3339")
	}
	*s.t = t.UTC()
	return nil
}

// nullInt is a nullable integer column read into an int.
func nullInt(n sql.NullInt64) int { return int(n.Int64) }
