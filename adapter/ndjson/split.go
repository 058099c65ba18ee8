package ndjson

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
)

// An export is a few files, one of them (Observation) holding nearly all of
// the bytes. To use every core on it, files are cut into line-aligned chunks
// that workers decode independently; facts are merged in chunk order, so the
// result is the same as one sequential pass.

// defaultChunkBytes is the target size of a chunk: large enough that the
// per-chunk cost (an open, a 64 KiB buffer, a small map) vanishes, small
// enough that two workers share the largest file evenly.
const defaultChunkBytes = 8 << 20

// chunk is a byte range of one file that starts at the start of a line and
// ends after a line end (or at the end of the file).
type chunk struct {
	file       int // index into the sorted file names
	name       string
	off, size  int64
	whole      bool // read the whole file sequentially (small, or no io.ReaderAt)
	lastInFile bool
}

// planChunks cuts one file into chunks of about target bytes. A file that
// cannot be read at an offset is one sequential chunk.
func planChunks(fsys fs.FS, file int, name string, target int64) ([]chunk, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ra, ok := f.(io.ReaderAt)
	size := st.Size()
	if !ok || size <= target || target <= 0 {
		// Read to its end, whatever Stat said.
		return []chunk{{file: file, name: name, whole: true, lastInFile: true}}, nil
	}
	var out []chunk
	start := int64(0)
	for start < size {
		cut := size
		if start+target < size {
			if cut, err = nextLineStart(ra, start+target, size); err != nil {
				return nil, err
			}
		}
		out = append(out, chunk{file: file, name: name, off: start, size: cut - start})
		start = cut
	}
	out[len(out)-1].lastInFile = true
	return out, nil
}

// nextLineStart returns the offset just after the first '\n' at or after
// off, or size. A very long line is scanned in small reads, never held.
func nextLineStart(ra io.ReaderAt, off, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for off < size {
		n, err := ra.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		off += int64(n)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if n == 0 {
			break
		}
	}
	return size, nil
}

// lineCounter counts the line ends that pass through it, so that a chunk's
// local line numbers can be turned into the file's.
type lineCounter struct {
	r     io.Reader
	lines int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.lines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}
