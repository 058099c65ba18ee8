package e2etest

import (
	"context"
	"log/slog"
	"sync"
)

// LogCounter counts the fhirclient's "fhir request" records by status, to
// show which server answers a run met (409s of concurrent writers, retried
// 503s …).
type LogCounter struct {
	mu       sync.Mutex
	statuses map[int64]int
}

// Logger returns a logger that feeds the counter (warnings and above, as
// the client logs failed attempts at warning level).
func (c *LogCounter) Logger() *slog.Logger { return slog.New(counterHandler{c}) }

// Statuses returns the counts by HTTP status (0: no answer).
func (c *LogCounter) Statuses() map[int64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int64]int{}
	for k, v := range c.statuses {
		out[k] = v
	}
	return out
}

type counterHandler struct{ c *LogCounter }

func (h counterHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h counterHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "fhir request" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "status" {
			h.c.mu.Lock()
			if h.c.statuses == nil {
				h.c.statuses = map[int64]int{}
			}
			h.c.statuses[a.Value.Int64()]++
			h.c.mu.Unlock()
		}
		return true
	})
	return nil
}

func (h counterHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h counterHandler) WithGroup(string) slog.Handler      { return h }
