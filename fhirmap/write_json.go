package fhirmap

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Low-level JSON writing for the fast encoder (write_fast*.go). Everything
// here reproduces byte for byte what jsonformat's marshaller produces
// (encoding/json with HTML escaping off, compact), which the byte-identity
// tests check.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it with SetEscapeHTML(false): '"' and '\\' escaped, control
// characters as \b \f \n \r \t or \u00XX, invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendInt32 writes n as the FHIR integer the proto holds (int32).
func appendInt32(b []byte, n int) []byte { return strconv.AppendInt(b, int64(int32(n)), 10) }

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse).
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// appendYMD writes YYYY-MM-DD as time.Format("2006-01-02") would for years
// 0..9999; other years go through time.Format.
func appendYMD(b []byte, days int64) []byte {
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		return time.Unix(days*86400, 0).UTC().AppendFormat(b, time.DateOnly)
	}
	yy := int(y)
	b = append(b, byte('0'+yy/1000), byte('0'+yy/100%10), byte('0'+yy/10%10), byte('0'+yy%10), '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendDateStr writes a local date as a quoted FHIR date (wDate, wDateTimeDay).
func appendDateStr(b []byte, d rules.Date) []byte {
	b = append(b, '"')
	b = appendYMD(b, int64(d))
	return append(b, '"')
}

// appendInstantStr writes a quoted dateTime of second precision in UTC (wInstant).
func appendInstantStr(b []byte, t time.Time) []byte {
	s := t.Unix()
	days := s / 86400
	sec := s % 86400
	if sec < 0 {
		sec += 86400
		days--
	}
	b = append(b, '"')
	b = appendYMD(b, days)
	b = append(b, 'T')
	b = append2(b, int(sec/3600))
	b = append(b, ':')
	b = append2(b, int(sec/60%60))
	b = append(b, ':')
	b = append2(b, int(sec%60))
	return append(b, 'Z', '"')
}
