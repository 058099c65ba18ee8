package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// File appends audit events to a file as JSON lines.
type File struct {
	mu sync.Mutex
	f  *os.File
}

var _ adapter.Auditor = (*File)(nil)

// Open opens path for appending, creating it with mode 0600. It refuses a
// symlink or anything but a regular file, and takes an existing file's
// group and other permissions away.
func Open(path string) (*File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("audit log %s: not a regular file (symlinks are refused)", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	// Between Lstat and OpenFile the path could have been swapped: check
	// what was opened.
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("audit log %s: not a regular file", path)
	}
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &File{f: f}, nil
}

// Record appends one event as one line, in one write, and syncs it: an
// audit record that a crash can lose is not one.
func (a *File) Record(_ context.Context, e adapter.AuditEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return errors.New("audit log: closed")
	}
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return a.f.Sync()
}

// Close closes the file; later records fail.
func (a *File) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}
