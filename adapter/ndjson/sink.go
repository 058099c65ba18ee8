package ndjson

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// lockName is the lock file a sink holds in its folder while it is open.
const lockName = ".rpm-adapter.lock"

// NDJSON output files, exactly these names (issue #4).
var ndjsonFiles = []string{"MeasureReport", "ChargeItem", "Task", "OperationOutcome"}

// Sink writes outcomes into a folder as Bulk-Data-style NDJSON: one
// file per resource type, one resource per line, appended as patients finish.
//
// The files hold PHI, and the folder may be one an attacker can reach
// (issue 11, points 8 and 10), so:
//
//   - the folder is 0700 and owned by the user running the adapter (a folder
//     of another user is refused, a looser mode on our own is tightened);
//     the files are 0600;
//   - no symlink is ever followed: a folder or result file that is a symlink
//     is refused, and every file is opened with O_NOFOLLOW;
//   - a start never destroys earlier results: a run appends to them. Each
//     file is written as a private temporary copy of the earlier file plus
//     this run's lines, and renamed over it when the run completes (Close),
//     so a run that fails or is killed leaves the earlier files as they
//     were and a reader never sees half a run;
//   - Sync makes everything written so far durable in the result files
//     themselves (flushed, fsynced, renamed into place, the folder fsynced);
//     after the first Sync the files are appended to in place and fsynced
//     on every Sync. The service calls it before it answers a write, so an
//     acknowledged result survives kill -9;
//   - one sink at a time per folder: a lock file (.rpm-adapter.lock) is held
//     until Close, and a second run on the same folder is refused at start
//     (not on systems without flock).
//     Temporary files left by a run that died are removed then, and a last
//     line cut short by a crash (never acknowledged) is dropped.
type Sink struct {
	mu     sync.Mutex
	dir    string
	lock   *os.File
	files  map[string]*sinkFile
	closed bool
}

// sinkFile is one result file: its temporary copy until published.
type sinkFile struct {
	final, tmp string
	f          *os.File
	w          *bufio.Writer
	published  bool // renamed into place: appends go to the final file
	dirty      bool // written since the last Sync
}

// NewSink opens dir (created 0700 if missing) for a run that
// appends to the results already there.
func NewSink(dir string) (*Sink, error) {
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Sink{dir: dir, lock: lock, files: map[string]*sinkFile{}}
	for _, name := range ndjsonFiles {
		sf, err := openSinkFile(dir, name+".ndjson")
		if err != nil {
			s.abort()
			return nil, err
		}
		s.files[name] = sf
	}
	return s, nil
}

// openSinkFile creates the temporary copy of OUT/name: the earlier results
// (without a last line a crash cut short), ready for this run's lines.
func openSinkFile(dir, name string) (*sinkFile, error) {
	sf := &sinkFile{final: filepath.Join(dir, name), tmp: filepath.Join(dir, "."+name+".tmp")}
	// The lock is ours, so a temporary file is a dead run's leftover.
	if err := os.Remove(sf.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("output file %s: %w", name, err)
	}
	f, err := createPrivate(sf.tmp)
	if err != nil {
		return nil, fmt.Errorf("output file %s: %w", name, err)
	}
	sf.f = f
	if err := copyEarlier(f, sf.final); err != nil {
		f.Close()
		_ = os.Remove(sf.tmp)
		return nil, fmt.Errorf("output file %s: %w", name, err)
	}
	sf.w = bufio.NewWriterSize(f, 256<<10)
	return sf, nil
}

// copyEarlier appends the earlier results at path to f, up to their last
// whole line. A missing file is no earlier results.
func copyEarlier(f *os.File, path string) error {
	old, err := openPrivate(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer old.Close()
	n, err := io.Copy(f, old)
	if err != nil {
		return err
	}
	return dropPartialLine(f, n)
}

// dropPartialLine truncates f (n bytes) after its last newline.
func dropPartialLine(f *os.File, n int64) error {
	if n == 0 {
		return nil
	}
	buf := make([]byte, min(n, 64<<10))
	for end := n; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			keep := start + int64(i) + 1
			if keep == n {
				return nil
			}
			return truncateAt(f, keep)
		}
		end = start
	}
	return truncateAt(f, 0)
}

func truncateAt(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	_, err := f.Seek(size, io.SeekStart)
	return err
}

// Write appends the outcome's resources and its OperationOutcome.
func (s *Sink) Write(_ context.Context, out *adapter.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("ndjson sink: closed")
	}
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

func (s *Sink) line(typ string, js []byte) error {
	sf, ok := s.files[typ]
	if !ok {
		return fmt.Errorf("ndjson sink: no file for %s", typ)
	}
	sf.dirty = true
	if _, err := sf.w.Write(js); err != nil {
		return err
	}
	return sf.w.WriteByte('\n')
}

// Sync makes every line written so far durable in the result files.
func (s *Sink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("ndjson sink: closed")
	}
	return s.sync(false)
}

// sync flushes and fsyncs the files written to (all of them when all is
// set) and renames those not yet published into place.
func (s *Sink) sync(all bool) error {
	renamed := false
	for _, name := range ndjsonFiles {
		sf := s.files[name]
		if !sf.dirty && !(all && !sf.published) {
			continue
		}
		if err := sf.w.Flush(); err != nil {
			return err
		}
		if err := sf.f.Sync(); err != nil {
			return err
		}
		if !sf.published {
			if err := os.Rename(sf.tmp, sf.final); err != nil {
				return err
			}
			sf.published, renamed = true, true
		}
		sf.dirty = false
	}
	if renamed {
		return syncDir(s.dir)
	}
	return nil
}

// Close publishes the run: every file is flushed, fsynced and in place.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.sync(true)
	if err != nil {
		s.abort()
		return err
	}
	var errs []error
	for _, sf := range s.files {
		errs = append(errs, sf.f.Close())
	}
	errs = append(errs, unlockDir(s.dir, s.lock))
	s.closed = true
	return errors.Join(errs...)
}

// abort drops what was not published and releases the folder.
func (s *Sink) abort() {
	for _, sf := range s.files {
		sf.f.Close()
		if !sf.published {
			_ = os.Remove(sf.tmp)
		}
	}
	_ = unlockDir(s.dir, s.lock)
	s.closed = true
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

var (
	_ adapter.Sink   = (*Sink)(nil)
	_ adapter.Syncer = (*Sink)(nil)
)
