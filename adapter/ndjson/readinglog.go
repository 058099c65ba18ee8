package ndjson

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// readingLog holds one patient's readings in a compact append-only encoding,
// about 10-15 bytes a reading instead of a rules.Reading (≈90 bytes plus two
// strings): a population run keeps every reading of every patient until the
// whole export is read, so this is what its memory grows with.
//
// The log is a list of segments, each written by one encoder (one chunk of
// one NDJSON file) whose delta state starts afresh. A record is:
//
//	flags   1 byte: status (bits 0-2), from device (3), has value (4),
//	        test (5), time kind (6-7: seconds, seconds+nanos, date, none)
//	time    zig-zag varint delta of Unix seconds from the previous reading
//	        [+ uvarint nanoseconds], or zig-zag varint of the local date
//	ref     uvarint length shared with the previous ref, uvarint length and
//	        bytes of the rest (ids of one patient share long prefixes)
//	device  uvarint: 0 none, k the segment's k-th device, or one past the
//	        table followed by a new device (uvarint length and bytes)
type readingLog struct {
	buf  []byte
	segs []int32 // offset in buf where each segment starts
	n    int
}

const (
	timeSeconds = iota
	timeNanos
	timeDate
	timeNone
)

const (
	flagFromDevice = 1 << 3
	flagHasValue   = 1 << 4
	flagTest       = 1 << 5
	timeShift      = 6
)

// readingEncoder appends readings to a segment.
type readingEncoder struct {
	buf     []byte
	n       int
	prevSec int64
	prevRef string
	devices []string
}

func (e *readingEncoder) add(r *rules.Reading) {
	flags := byte(r.Status) & 7
	if r.FromDevice {
		flags |= flagFromDevice
	}
	if r.HasValue {
		flags |= flagHasValue
	}
	if r.Test {
		flags |= flagTest
	}
	kind := byte(timeNone)
	var sec int64
	var nsec int
	switch {
	case !r.At.IsZero():
		sec, nsec = r.At.Unix(), r.At.Nanosecond()
		kind = timeSeconds
		if nsec != 0 {
			kind = timeNanos
		}
	case r.Date != rules.NoDate:
		kind = timeDate
	}
	b := append(e.buf, flags|kind<<timeShift)
	switch kind {
	case timeSeconds, timeNanos:
		b = binary.AppendVarint(b, sec-e.prevSec)
		e.prevSec = sec
		if kind == timeNanos {
			b = binary.AppendUvarint(b, uint64(nsec))
		}
	case timeDate:
		b = binary.AppendVarint(b, int64(r.Date))
	}
	shared := commonPrefix(e.prevRef, r.Ref)
	b = binary.AppendUvarint(b, uint64(shared))
	b = binary.AppendUvarint(b, uint64(len(r.Ref)-shared))
	b = append(b, r.Ref[shared:]...)
	e.prevRef = r.Ref
	b = e.appendDevice(b, r.Device)
	e.buf = b
	e.n++
}

func (e *readingEncoder) appendDevice(b []byte, dev string) []byte {
	if dev == "" {
		return append(b, 0)
	}
	for i, d := range e.devices {
		if d == dev {
			return binary.AppendUvarint(b, uint64(i+1))
		}
	}
	// A patient has a handful of devices; a long table means device keys
	// that do not repeat, and a linear search over them would not pay.
	if len(e.devices) < 32 {
		e.devices = append(e.devices, dev)
		b = binary.AppendUvarint(b, uint64(len(e.devices)))
	} else {
		b = binary.AppendUvarint(b, uint64(len(e.devices)+1))
	}
	b = binary.AppendUvarint(b, uint64(len(dev)))
	return append(b, dev...)
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// appendSegment adds an encoder's readings as a new segment.
func (l *readingLog) appendSegment(e *readingEncoder) {
	if e.n == 0 {
		return
	}
	l.segs = append(l.segs, int32(len(l.buf)))
	l.buf = append(l.buf, e.buf...)
	l.n += e.n
}

// readings decodes the log. The refs and devices of one call share one
// string allocation.
func (l *readingLog) readings() ([]rules.Reading, error) {
	if l.n == 0 {
		return nil, nil
	}
	out := make([]rules.Reading, 0, l.n)
	type span struct{ ref, dev [2]int32 }
	spans := make([]span, 0, l.n)
	var arena []byte
	for i, start := range l.segs {
		end := int32(len(l.buf))
		if i+1 < len(l.segs) {
			end = l.segs[i+1]
		}
		d := logDecoder{b: l.buf[start:end]}
		var prevSec int64
		var prevRef [2]int32 // the previous ref's span in arena
		var devices [][2]int32
		for len(d.b) > 0 {
			flags := d.byte()
			r := rules.Reading{
				Status:     rules.ReadingStatus(flags & 7),
				FromDevice: flags&flagFromDevice != 0,
				HasValue:   flags&flagHasValue != 0,
				Test:       flags&flagTest != 0,
				Date:       rules.NoDate,
			}
			switch flags >> timeShift {
			case timeSeconds, timeNanos:
				prevSec += d.varint()
				var nsec int64
				if flags>>timeShift == timeNanos {
					nsec = int64(d.uvarint())
				}
				r.At = time.Unix(prevSec, nsec).UTC()
			case timeDate:
				r.Date = rules.Date(d.varint())
			}
			shared, rest := int32(d.uvarint()), int32(d.uvarint())
			ref := [2]int32{int32(len(arena)), 0}
			if shared > prevRef[1]-prevRef[0] {
				d.fail()
			} else {
				arena = append(arena, arena[prevRef[0]:prevRef[0]+shared]...)
				arena = append(arena, d.bytes(int(rest))...)
			}
			ref[1] = int32(len(arena))
			prevRef = ref
			var dev [2]int32
			switch k := int(d.uvarint()); {
			case k == 0:
			case k <= len(devices):
				dev = devices[k-1]
			default:
				n := int(d.uvarint())
				dev = [2]int32{int32(len(arena)), 0}
				arena = append(arena, d.bytes(n)...)
				dev[1] = int32(len(arena))
				if k == len(devices)+1 && len(devices) < 32 {
					devices = append(devices, dev)
				}
			}
			if d.bad {
				return nil, fmt.Errorf("adapter: corrupt reading log at segment %d", i)
			}
			out = append(out, r)
			spans = append(spans, span{ref, dev})
		}
	}
	// One string for every ref and device of the patient.
	all := string(arena)
	for i := range out {
		s := spans[i]
		out[i].Ref = all[s.ref[0]:s.ref[1]]
		if s.dev[1] > s.dev[0] {
			out[i].Device = all[s.dev[0]:s.dev[1]]
		}
	}
	return out, nil
}

// size is the log's memory, for reports.
func (l *readingLog) size() int { return cap(l.buf) + 4*cap(l.segs) }

// logDecoder reads a segment; bad is set on a truncated or corrupt record
// instead of panicking, so a bug shows as an error on one patient.
type logDecoder struct {
	b   []byte
	bad bool
}

func (d *logDecoder) fail() { d.bad, d.b = true, nil }

func (d *logDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *logDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *logDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *logDecoder) bytes(n int) []byte {
	if n < 0 || n > len(d.b) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}
