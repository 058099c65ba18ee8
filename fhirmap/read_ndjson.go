package fhirmap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DecodeNDJSON decodes NDJSON with the default options. See
// Reader.DecodeNDJSON.
func DecodeNDJSON(in io.Reader, fn func(Resource, []Issue) error) error {
	return defaultReader.DecodeNDJSON(in, fn)
}

// DecodeNDJSON decodes a stream of newline-delimited resources of any mix of
// types, as written by a FHIR Bulk Data $export, calling fn once per
// non-blank line with the decoded resource (nil when the line was skipped)
// and that line's issues, each carrying its line number.
//
// One bad line never loses the others: invalid JSON, an unknown type or a
// line longer than Options.MaxLineBytes is reported and the next line is
// read. Memory stays bounded by the line limit. The error is the first one
// from in (I/O) or from fn, which stops the scan; a nil error means the
// stream was read to its end.
func (r *Reader) DecodeNDJSON(in io.Reader, fn func(Resource, []Issue) error) error {
	br := bufio.NewReaderSize(in, 64<<10)
	var long []byte // holds a line longer than the buffer
	for line := 1; ; line++ {
		b, tooLong, err := readLine(br, &long, r.opts.MaxLineBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("fhirmap: reading NDJSON line %d: %w", line, err)
		}
		eof := err != nil
		switch {
		case tooLong:
			is := []Issue{{Code: CodeLineTooLong, Severity: SeverityError, Line: line,
				Message: "The line is longer than the configured limit; it was skipped."}}
			if ferr := fn(nil, is); ferr != nil {
				return ferr
			}
		case len(bytes.TrimSpace(b)) > 0:
			res, issues := r.Decode(b)
			for i := range issues {
				issues[i].Line = line
			}
			if ferr := fn(res, issues); ferr != nil {
				return ferr
			}
		}
		if eof {
			return nil
		}
	}
}

// readLine returns the next line without its end (\n or \r\n). A line over
// limit is consumed to its end and reported as tooLong, never held whole.
// err is io.EOF with the last line when the stream ends.
func readLine(br *bufio.Reader, long *[]byte, limit int) (line []byte, tooLong bool, err error) {
	*long = (*long)[:0]
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(*long)+len(frag) > limit+2 { // +2: the line end itself
				tooLong, *long = true, (*long)[:0]
			} else if errors.Is(err, bufio.ErrBufferFull) || len(*long) > 0 {
				*long = append(*long, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			return nil, true, err
		}
		if len(*long) > 0 {
			frag = *long
		}
		frag = bytes.TrimSuffix(frag, []byte("\n"))
		frag = bytes.TrimSuffix(frag, []byte("\r"))
		if len(frag) > limit {
			return nil, true, err
		}
		return frag, false, err
	}
}
