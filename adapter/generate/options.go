package generate

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Options say what population to generate. Same Options, same bytes.
type Options struct {
	// Patients is the number of ordinary patients ("pt-00001" …). The named
	// edge patients come on top when WorkedCases is set.
	Patients int
	// Start is any date of the first calendar month with generated activity;
	// zero (1970-01-01) means October 2026, the month the README evaluates.
	Start rules.Date
	// Months is the number of calendar months of activity (default 1).
	// Readings also fill the part of the 30-day period, before Start, that
	// ends in the first month, so its device periods are complete.
	Months int
	// ReadingsPerDay is the mean number of readings on a day with data
	// (default 5, which gives about 120 readings per patient-month).
	ReadingsPerDay float64
	// EdgeShare is the share (0..1) of ordinary patients that get one random
	// edge feature: no time zone, self-reported or test readings, data-absent
	// or non-final statuses, CCM-tagged or duration-less or unfinished
	// communications, another organization's or an RTM ChargeItem.
	EdgeShare float64
	// Seed selects the random population.
	Seed int64
	// Canonical is the product's canonical base (default
	// fhirmap.DefaultCanonical); it prefixes the duration extension and the
	// program CodeSystem.
	Canonical string
	// WorkedCases adds the named edge patients of the rule book's worked
	// cases (wc-*) and of the conflict and data-quality rules (edge-*).
	WorkedCases bool
	// Expected writes expected.json, the hand-written oracle of the worked
	// cases, beside the data (Write only; needs WorkedCases).
	Expected bool
}

// SampleOptions are the options of the committed testdata/sample-export
// folder and of the command line's default "generate": every worked case, a
// few ordinary patients, October 2026.
func SampleOptions() Options {
	return Options{
		Patients:       20,
		Start:          rules.DateOf(2026, time.October, 1),
		Months:         1,
		ReadingsPerDay: 2,
		EdgeShare:      0.3,
		Seed:           20261001,
		Canonical:      fhirmap.DefaultCanonical,
		WorkedCases:    true,
		Expected:       true,
	}
}

// BenchOptions are the volume of issue #7: 10,000 patients for one month,
// about 1.2 million Observations and 50,000 Communications.
func BenchOptions() Options {
	return Options{
		Patients:       10000,
		Start:          rules.DateOf(2026, time.October, 1),
		Months:         1,
		ReadingsPerDay: 5,
		EdgeShare:      0.05,
		Seed:           7,
	}
}

// maxPatients keeps ids and counters comfortably inside their formats.
const maxPatients = 10_000_000

// normalize fills defaults and rejects options no population can have.
func (o Options) normalize() (Options, error) {
	if o.Patients < 0 || o.Patients > maxPatients {
		return o, fmt.Errorf("generate: patients must be 0..%d, got %d", maxPatients, o.Patients)
	}
	if o.Start == 0 {
		o.Start = rules.DateOf(2026, time.October, 1)
	}
	o.Start = o.Start.MonthStart()
	if _, err := rules.RuleSetFor(o.Start); err != nil {
		return o, fmt.Errorf("generate: start month: %w", err)
	}
	if o.Start.Year() > 9000 {
		return o, errors.New("generate: start month is after the year 9000")
	}
	if o.Months == 0 {
		o.Months = 1
	}
	if o.Months < 0 || o.Months > 120 {
		return o, fmt.Errorf("generate: months must be 1..120, got %d", o.Months)
	}
	if o.ReadingsPerDay == 0 {
		o.ReadingsPerDay = 5
	}
	if math.IsNaN(o.ReadingsPerDay) || o.ReadingsPerDay < 1 || o.ReadingsPerDay > 48 {
		return o, fmt.Errorf("generate: readings per day must be 1..48, got %v", o.ReadingsPerDay)
	}
	if math.IsNaN(o.EdgeShare) || o.EdgeShare < 0 || o.EdgeShare > 1 {
		return o, fmt.Errorf("generate: edge share must be 0..1, got %v", o.EdgeShare)
	}
	if o.Canonical == "" {
		o.Canonical = fhirmap.DefaultCanonical
	}
	if !safeJSON(o.Canonical) {
		return o, errors.New("generate: the canonical base must be printable ASCII without quotes or backslashes")
	}
	if o.Expected && !o.WorkedCases {
		return o, errors.New("generate: expected.json needs the worked cases (WorkedCases)")
	}
	return o, nil
}

// end is the last date of the last generated month.
func (o Options) end() rules.Date {
	return rules.DateOf(o.Start.Year(), o.Start.Month()+time.Month(o.Months), 0)
}

// Stats counts what a run wrote.
type Stats struct {
	// Resources counts resources per type.
	Resources map[string]int
	// Patients is the number of Patients, edge and ordinary.
	Patients int
	// Bytes is the total size of the NDJSON generated (including types
	// WriteTo was given no writer for).
	Bytes int64
}

// Total is the number of resources of every type.
func (s Stats) Total() int {
	n := 0
	for _, t := range Types {
		n += s.Resources[t]
	}
	return n
}
