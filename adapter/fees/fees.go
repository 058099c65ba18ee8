// Package fees is the fee table the worklist's estimated amount and the
// billing export price code lines with: national non-facility Medicare
// amounts per code, in cents. The embedded default (cy2026.csv) cites its
// source and year; its amounts are approximate (see the file), and every
// amount shown from it is labelled an estimate. serve --fee-schedule FILE
// replaces it with a CSV of the same form.
package fees

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

//go:embed cy2026.csv
var cy2026 string

// DefaultSource names the embedded table, for labels.
const DefaultSource = "CY2026 Medicare PFS, national non-facility, approximate (adapter/fees/cy2026.csv)"

// Table maps a code to its amount in cents.
type Table struct {
	cents map[string]int64
	// Source says where the table came from (DefaultSource or a file name).
	Source string
}

var dflt = func() Table {
	t, err := Load(strings.NewReader(cy2026))
	if err != nil {
		panic("fees: the embedded table is broken: " + err.Error())
	}
	t.Source = DefaultSource
	return t
}()

// Default is the embedded CY2026 table.
func Default() Table { return dflt }

var codeSyntax = regexp.MustCompile(`^[0-9A-Z]{5}$`)

// Load reads a CSV "code,amount" (amount in dollars with at most two
// decimals, e.g. 47.00). Lines starting with # are comments; a header line
// "code,amount" is allowed. A code given twice, a bad code or amount, or an
// empty table is an error naming the line.
func Load(r io.Reader) (Table, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 2
	cr.TrimLeadingSpace = true
	t := Table{cents: map[string]int64{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Table{}, fmt.Errorf("fees: %w", err)
		}
		line, _ := cr.FieldPos(0)
		code, amount := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if strings.EqualFold(code, "code") && strings.EqualFold(amount, "amount") {
			continue
		}
		if !codeSyntax.MatchString(code) {
			return Table{}, fmt.Errorf("fees: line %d: %q is not a 5-character code", line, code)
		}
		c, err := parseCents(amount)
		if err != nil {
			return Table{}, fmt.Errorf("fees: line %d: %v", line, err)
		}
		if _, dup := t.cents[code]; dup {
			return Table{}, fmt.Errorf("fees: line %d: code %s is given twice", line, code)
		}
		t.cents[code] = c
	}
	if len(t.cents) == 0 {
		return Table{}, errors.New("fees: the table has no code")
	}
	return t, nil
}

func parseCents(s string) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("%q is not an amount like 47.00", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1_000_000 {
		return 0, fmt.Errorf("%q is not an amount like 47.00", s)
	}
	var f int64
	if dot {
		if len(frac) == 1 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, fmt.Errorf("%q is not an amount like 47.00", s)
		}
	}
	return w*100 + f, nil
}

// Amount is a code's amount in cents; ok is false for a code the table
// does not price.
func (t Table) Amount(code string) (cents int64, ok bool) {
	c, ok := t.cents[code]
	return c, ok
}

// Codes is the number of codes the table prices.
func (t Table) Codes() int { return len(t.cents) }

// Dollars formats cents as "$1,234.56".
func Dollars(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := strconv.FormatInt(cents/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	out := fmt.Sprintf("$%s.%02d", s, cents%100)
	if neg {
		out = "-" + out
	}
	return out
}
