package adapter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// NDJSON output files, exactly these names (issue #4).
var ndjsonFiles = []string{"MeasureReport", "ChargeItem", "Task", "OperationOutcome"}

// NDJSONSink writes outcomes into a folder as Bulk-Data-style NDJSON: one
// file per resource type, one resource per line, appended as patients finish.
type NDJSONSink struct {
	mu    sync.Mutex
	files map[string]*os.File
	bufs  map[string]*bufio.Writer
}

// NewNDJSONSink creates dir if needed and truncates the four output files,
// so a run's folder holds that run only.
func NewNDJSONSink(dir string) (*NDJSONSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	s := &NDJSONSink{files: map[string]*os.File{}, bufs: map[string]*bufio.Writer{}}
	for _, name := range ndjsonFiles {
		f, err := os.Create(filepath.Join(dir, name+".ndjson"))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("output file: %w", err)
		}
		s.files[name] = f
		s.bufs[name] = bufio.NewWriterSize(f, 256<<10)
	}
	return s, nil
}

// Write appends the outcome's resources and its OperationOutcome.
func (s *NDJSONSink) Write(_ context.Context, out *Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range out.Resources {
		if err := s.line(r.Type, r.JSON); err != nil {
			return err
		}
	}
	if out.OperationOutcome != nil {
		return s.line("OperationOutcome", out.OperationOutcome)
	}
	return nil
}

func (s *NDJSONSink) line(typ string, js []byte) error {
	w, ok := s.bufs[typ]
	if !ok {
		return fmt.Errorf("ndjson sink: no file for %s", typ)
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	return w.WriteByte('\n')
}

// Close flushes and closes every file.
func (s *NDJSONSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for name, f := range s.files {
		if w := s.bufs[name]; w != nil {
			errs = append(errs, w.Flush())
		}
		errs = append(errs, f.Close())
	}
	s.files, s.bufs = nil, nil
	return errors.Join(errs...)
}
