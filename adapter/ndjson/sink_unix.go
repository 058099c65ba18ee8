//go:build unix

package ndjson

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// privateDir makes dir exist as a real folder (not a symlink), owned by
// this process's user, with mode 0700.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	switch {
	case st.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("output folder %s is a symlink: refused (give the real folder)", dir)
	case !st.IsDir():
		return fmt.Errorf("output folder %s is not a folder", dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("output folder %s belongs to another user: refused", dir)
	}
	if st.Mode().Perm() != 0o700 {
		// Results are PHI: nobody else may list or read them.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("output folder: %w", err)
		}
	}
	return nil
}

// lockDir takes the folder's lock file, which one sink holds at a time.
// The file is removed when the sink closes (see unlockDir), so a lock won
// on a file that was removed meanwhile is a lost race: it is refused like
// a held one.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("output folder lock: %w", err)
	}
	busy := fmt.Errorf("output folder %s is in use by another run", dir)
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, busy
		}
		return nil, fmt.Errorf("output folder lock: %w", err)
	}
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, busy
	}
	return f, nil
}

// unlockDir removes the lock file before releasing it, so nobody can win
// the lock on a file that is about to go.
func unlockDir(dir string, f *os.File) error {
	err := os.Remove(filepath.Join(dir, lockName))
	return errors.Join(err, f.Close())
}

// createPrivate creates a new file 0600, never through a symlink.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	// The umask can only narrow 0600, but say it outright.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openPrivate opens an earlier result file for reading: a regular file of
// ours, never a symlink (O_NOFOLLOW makes a symlink fail with ELOOP).
func openPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, errors.New("a symlink, refused: symlinks are never followed")
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, errors.New("not a regular file, refused")
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		f.Close()
		return nil, errors.New("owned by another user, refused")
	}
	return f, nil
}
