package fhirmap

import (
	"math"
	"strconv"
	"time"
)

// maxDuration bounds a duration read from input: more than a year is not a
// plausible activity and would risk overflowing time.Duration.
const maxDuration = 366 * 24 * time.Hour

// durationUnits are the UCUM codes accepted. The product's own extension
// allows s and min only (R-TIME-2); Encounter.length, written by other
// systems, may also use h.
var durationUnits = map[string]time.Duration{"s": time.Second, "min": time.Minute, "h": time.Hour}

// duration reads a Duration (a Quantity) and returns its length. It requires
// a number value, system UCUM and a code among s, min (and h when allowHours);
// a comparator makes the value inexact and is refused. Anything else is
// reported at path as a warning, and ok is false.
func (d *decoder) duration(path string, allowHours bool) (time.Duration, bool) {
	var value, system, code []byte
	valueOK, comparator := true, false
	isObj := d.object(path, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "value":
			value, valueOK = d.s.numValue()
		case "system":
			system, _ = d.str(path+".system", SeverityWarning)
		case "code":
			code, _ = d.str(path+".code", SeverityWarning)
		case "comparator":
			comparator = true
			d.s.skip()
		default:
			d.s.skip()
		}
	})
	if !isObj || d.s.err != "" {
		return 0, false
	}
	unit, known := durationUnits[string(code)]
	if string(code) == "h" && !allowHours {
		known = false
	}
	switch {
	case !valueOK || value == nil:
		d.issue(path+".value", CodeInvalidDuration, SeverityWarning, "The duration has no numeric value.")
		return 0, false
	case comparator:
		d.issue(path+".comparator", CodeInvalidDuration, SeverityWarning, "The duration has a comparator, so it is not an exact length.")
		return 0, false
	case string(system) != SystemUCUM || !known:
		msg := "The duration unit must be UCUM s or min."
		if allowHours {
			msg = "The duration unit must be UCUM s, min or h."
		}
		d.issue(path+".code", CodeBadDurationUnit, SeverityWarning, msg)
		return 0, false
	}
	v, err := strconv.ParseFloat(string(value), 64)
	if err != nil || v < 0 || math.IsNaN(v) || v*float64(unit) > float64(maxDuration) {
		d.issue(path+".value", CodeInvalidDuration, SeverityWarning, "The duration is negative or implausibly long.")
		return 0, false
	}
	return time.Duration(math.Round(v * float64(unit))), true
}
