package fhirmap

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// str reads the string at the current position (which is a '"') and returns
// its content. Without escapes the result aliases the input; with escapes it
// is a fresh slice, so a result stays valid for the whole decode.
func (s *scanner) str() []byte {
	s.i++
	start := s.i
	b := s.b
	for i := s.i; ; i++ {
		i = plainRun(b, i)
		if i >= len(b) {
			break
		}
		c := b[i]
		if c == '"' {
			s.i = i + 1
			return b[start:i]
		}
		if c == '\\' {
			s.i = i
			return s.strSlow(start)
		}
		if c < 0x20 {
			break
		}
	}
	s.fail(CodeMalformedJSON)
	return nil
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// plainRun returns the index of the first '"', '\\' or control character at
// or after i, looking eight bytes at a time: strings are most of FHIR JSON,
// and most of their bytes need no look. In the last seven bytes of the input
// it returns i itself and the caller looks byte by byte.
func plainRun(b []byte, i int) int {
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		q := w ^ (swarOnes * '"')
		e := w ^ (swarOnes * '\\')
		// A byte of x is zero exactly when (x-1)&^x has its high bit set;
		// a borrow can only add false hits above a true one, so the lowest
		// hit is exact. Bytes below 0x20 the same way against 0x20; bytes
		// ≥ 0x80 (UTF-8) never hit.
		if m := ((q-swarOnes)&^q | (e-swarOnes)&^e | (w-swarOnes*0x20)&^w) & swarHigh; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	return i
}

// strSlow decodes a string with escapes, from start (just after the opening
// quote); s.i is at the first backslash. Invalid surrogates become U+FFFD,
// as encoding/json does.
func (s *scanner) strSlow(start int) []byte {
	b := s.b
	out := make([]byte, 0, s.i-start+16)
	out = append(out, b[start:s.i]...)
	i := s.i
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return out
		case c < 0x20:
			s.fail(CodeMalformedJSON)
			return nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		e := b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := scanHex4(b, i)
			if !ok {
				s.fail(CodeMalformedJSON)
				return nil
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if v, ok := scanHex4(b, i+2); ok {
						r2 = v
					}
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			s.fail(CodeMalformedJSON)
			return nil
		}
	}
	s.fail(CodeMalformedJSON)
	return nil
}

func scanHex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skipString passes over a string without decoding it, checking escapes.
func (s *scanner) skipString() {
	b := s.b
	i := s.i + 1
	for {
		i = plainRun(b, i)
		if i >= len(b) {
			break
		}
		c := b[i]
		if c == '"' {
			s.i = i + 1
			return
		}
		if c < 0x20 {
			break
		}
		if c != '\\' {
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if _, ok := scanHex4(b, i+2); !ok {
				s.fail(CodeMalformedJSON)
				return
			}
			i += 6
		default:
			s.fail(CodeMalformedJSON)
			return
		}
	}
	s.fail(CodeMalformedJSON)
}
