package jobs

import (
	"context"
	"log/slog"
)

// quieter passes on only records at or above min: River reports its
// producers' job counts at Info every few seconds, which is noise in the
// service's log; its warnings and errors still get through.
type quieter struct {
	slog.Handler
	min slog.Level
}

func (h quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h quieter) WithAttrs(as []slog.Attr) slog.Handler {
	return quieter{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h quieter) WithGroup(name string) slog.Handler {
	return quieter{Handler: h.Handler.WithGroup(name), min: h.min}
}
