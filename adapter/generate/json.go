package generate

import (
	"strconv"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The resources are written by appending to byte slices: issue #7 asks for a
// million Observations in seconds, which rules out encoding/json reflection
// per resource. Every string that is not a literal of this package goes
// through appendStr, which escapes as JSON requires.

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safeJSON says whether s can be written between quotes as is.
func safeJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendRef appends {"reference":"<typ>/<id>"}.
func appendRef(b []byte, typ, id string) []byte {
	b = append(b, `{"reference":"`...)
	b = append(b, typ...)
	b = append(b, '/')
	b = append(b, id...)
	return append(b, `"}`...)
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10%10), byte('0'+n%10))
}

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// appendDate appends a quoted YYYY-MM-DD.
func appendDate(b []byte, d rules.Date) []byte {
	y, m, day := d.Time().Date()
	b = append(b, '"')
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	b = append2(b, day)
	return append(b, '"')
}

// appendInstant appends t as a quoted FHIR dateTime with seconds: in UTC
// with "Z" when utc is set, else as local time in t's zone with its offset
// (2026-10-05T08:12:00-05:00).
func appendInstant(b []byte, t time.Time, utc bool) []byte {
	if utc {
		t = t.UTC()
	}
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	b = append(b, '"')
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, hh)
	b = append(b, ':')
	b = append2(b, mm)
	b = append(b, ':')
	b = append2(b, ss)
	if utc {
		return append(b, 'Z', '"')
	}
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = append2(b, off/3600)
	b = append(b, ':')
	b = append2(b, off%3600/60)
	return append(b, '"')
}

// appendTenths appends n/10 with one decimal (824 → 82.4).
func appendTenths(b []byte, n int) []byte {
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	b = strconv.AppendInt(b, int64(n/10), 10)
	return append(b, '.', byte('0'+n%10))
}

// appendDuration appends a UCUM Duration of n units ("min" or "s").
func appendDuration(b []byte, n int, unit string) []byte {
	b = append(b, `{"value":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"unit":"`...)
	b = append(b, unit...)
	b = append(b, `","system":"http://unitsofmeasure.org","code":"`...)
	b = append(b, unit...)
	return append(b, `"}`...)
}

// appendSeq appends prefix followed by n zero-padded to width digits.
func appendSeq(b []byte, prefix string, n, width int) []byte {
	b = append(b, prefix...)
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}
