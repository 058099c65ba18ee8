package bulk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// ErrCountMismatch is a downloaded file whose resources do not number what
// the manifest announced: a truncated transfer or a server fault, and in
// either case not an export to evaluate.
var ErrCountMismatch = errors.New("bulk: line count differs from the manifest")

// folder is the output folder of one export and everything Export created
// in it, so that a failed export leaves nothing behind to be mistaken for a
// complete one.
type folder struct {
	dir     string
	created []string // files and sub-folders, in creation order
}

// newFolder creates dir if needed and refuses one that holds anything: the
// reader takes every *.ndjson file of the folder, so an earlier export's
// files would be evaluated with this one's.
func newFolder(dir string) (*folder, error) {
	if dir == "" {
		return nil, errors.New("bulk: output folder is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bulk: output folder: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("bulk: output folder: %w", err)
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("bulk: output folder %s is not empty", dir)
	}
	return &folder{dir: dir}, nil
}

// removeAll deletes what Export created, newest first so that sub-folders
// are empty when their turn comes.
func (o *folder) removeAll() {
	for i := len(o.created) - 1; i >= 0; i-- {
		_ = os.Remove(o.created[i])
	}
	o.created = nil
}

// download fetches every file of m, one after the other, into the layout
// of the package documentation.
func download(ctx context.Context, c *fhirclient.Client, m *Manifest, out *folder, opts Options) error {
	for _, part := range []struct {
		name, sub string
		files     []File
	}{{"output", "", m.Output}, {"error", "error", m.Error}, {"deleted", "deleted", m.Deleted}} {
		dir := out.dir
		if part.sub != "" && len(part.files) > 0 {
			dir = filepath.Join(out.dir, part.sub)
			if err := os.Mkdir(dir, 0o700); err != nil {
				return fmt.Errorf("bulk: %w", err)
			}
			out.created = append(out.created, dir)
		}
		perType := map[string]int{}
		for i := range part.files {
			f := &part.files[i]
			perType[f.Type]++
			f.Path = filepath.Join(dir, fmt.Sprintf("%s-%d.ndjson", f.Type, perType[f.Type]))
			if err := out.fetch(ctx, c, f, m.RequiresAccessToken, opts); err != nil {
				return fmt.Errorf("bulk: %s file %d (%s): %w", part.name, i+1, f.Type, err)
			}
		}
	}
	return nil
}

// fetch streams one file to f.Path through a ".part" file renamed once
// the file is whole and its count checked.
func (o *folder) fetch(ctx context.Context, c *fhirclient.Client, f *File, token bool, opts Options) error {
	part := f.Path + ".part"
	fh, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	o.created = append(o.created, part)
	lc := &lineCounter{f: fh}
	allow := func(u *url.URL) bool { return opts.fileAllowed(c, u) }
	n, err := c.Download(ctx, fhirclient.DownloadRequest{URL: f.src.url, Auth: token, Accept: opts.Accept,
		MaxBytes: opts.MaxFileBytes, Allow: allow}, lc)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f.Bytes, f.Lines = n, lc.total()
	if f.Count >= 0 && f.Lines != f.Count {
		return fmt.Errorf("%d lines, the manifest says %d: %w", f.Lines, f.Count, ErrCountMismatch)
	}
	if err := os.Rename(part, f.Path); err != nil {
		return err
	}
	o.created[len(o.created)-1] = f.Path
	return nil
}

// lineCounter counts the non-blank lines written to f, one resource each
// in NDJSON, whether or not the last one ends in a newline. It passes
// Seek and Truncate through so that Download can restart a broken transfer
// from zero; the count restarts with it.
type lineCounter struct {
	f       *os.File
	lines   int64
	partial bool // the current line has content but no newline yet
}

func (l *lineCounter) Write(p []byte) (int, error) {
	n, err := l.f.Write(p)
	l.count(p[:n])
	return n, err
}

func (l *lineCounter) count(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = l.partial || len(bytes.TrimSpace(p)) > 0
			return
		}
		if l.partial || len(bytes.TrimSpace(p[:i])) > 0 {
			l.lines++
		}
		l.partial = false
		p = p[i+1:]
	}
}

func (l *lineCounter) total() int64 {
	if l.partial {
		return l.lines + 1
	}
	return l.lines
}

func (l *lineCounter) Seek(offset int64, whence int) (int64, error) {
	return l.f.Seek(offset, whence)
}

func (l *lineCounter) Truncate(size int64) error {
	if size != 0 {
		return errors.New("bulk: a download can only restart from an empty file")
	}
	l.lines, l.partial = 0, false
	return l.f.Truncate(0)
}
