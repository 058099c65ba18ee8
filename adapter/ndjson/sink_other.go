//go:build !unix

package ndjson

import (
	"fmt"
	"os"
)

// On systems without POSIX modes, ownership or flock the folder and files
// are created private by mode only, symlinks are refused by Lstat, and
// there is no lock: one run per folder is up to the operator.

func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if st.Mode()&os.ModeSymlink != 0 || !st.IsDir() {
		return fmt.Errorf("output folder %s is not a real folder: refused", dir)
	}
	return nil
}

func lockDir(string) (*os.File, error) { return os.Open(os.DevNull) }

func unlockDir(_ string, f *os.File) error { return f.Close() }

func createPrivate(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

func openPrivate(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: refused", path)
	}
	return os.Open(path)
}
