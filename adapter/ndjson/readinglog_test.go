package ndjson

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// randomReading draws every shape a decoded reading can have: an instant
// (with and without nanoseconds, before 1970 too), a local date, neither;
// refs sharing prefixes or not; few or many devices.
func randomReading(r *rand.Rand, i int) rules.Reading {
	rd := rules.Reading{
		Status:     rules.ReadingStatus(r.IntN(6)),
		FromDevice: r.IntN(2) == 0,
		HasValue:   r.IntN(3) > 0,
		Test:       r.IntN(10) == 0,
		Date:       rules.NoDate,
	}
	switch r.IntN(5) {
	case 0:
		rd.Date = rules.Date(r.Int32N(40000) - 10000)
	case 1:
	case 2:
		rd.At = time.Unix(r.Int64N(1<<36)-(1<<35), int64(r.IntN(1e9))).UTC()
	default:
		rd.At = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(40*86400)) * time.Second)
	}
	switch r.IntN(4) {
	case 0:
		rd.Ref = fmt.Sprintf("Observation/obs-pt-00001-%05d", i)
	case 1:
		rd.Ref = fmt.Sprintf("Observation/%x", r.Uint64())
	case 2:
		rd.Ref = ""
	default:
		rd.Ref = "Observation/" + strings.Repeat("x", r.IntN(300))
	}
	switch r.IntN(3) {
	case 0:
		rd.Device = fmt.Sprintf("Device/dev-%d", r.IntN(3))
	case 1:
		rd.Device = fmt.Sprintf("Device/many-%d", r.IntN(100))
	}
	return rd
}

func TestReadingLogGivesBackEveryReadingExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, segments := range []int{1, 2, 7} {
		t.Run(fmt.Sprintf("%d segments", segments), func(t *testing.T) {
			var want []rules.Reading
			var log readingLog
			for range segments {
				var e readingEncoder
				for range r.IntN(400) {
					rd := randomReading(r, len(want))
					e.add(&rd)
					want = append(want, rd)
				}
				log.appendSegment(&e)
			}
			got, err := log.readings()
			if err != nil {
				t.Fatal(err)
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestAnEmptyReadingLogHasNoReadings(t *testing.T) {
	var log readingLog
	log.appendSegment(&readingEncoder{})
	got, err := log.readings()
	if err != nil || got != nil {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestACorruptReadingLogIsAnErrorNotAPanic(t *testing.T) {
	var e readingEncoder
	rd := rules.Reading{Ref: "Observation/1", At: time.Unix(1e9, 0), Device: "Device/d"}
	e.add(&rd)
	for cut := range len(e.buf) {
		log := readingLog{buf: e.buf[:cut], segs: []int32{0}, n: 1}
		if cut == 0 {
			continue // an empty segment decodes to nothing
		}
		if _, err := log.readings(); err == nil {
			t.Errorf("a record cut at %d bytes decoded without an error", cut)
		}
	}
}

// The point of the log: a typical generated reading costs a few bytes.
func TestTypicalReadingsTakeFewBytes(t *testing.T) {
	var e readingEncoder
	at := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	const n = 1000
	for i := range n {
		rd := rules.Reading{Ref: fmt.Sprintf("Observation/obs-pt-00001-%05d", i), At: at.Add(time.Duration(i) * 5 * time.Hour),
			Device: "Device/dev-pt-00001-bp", FromDevice: true, HasValue: true, Status: rules.StatusFinal}
		e.add(&rd)
	}
	if per := len(e.buf) / n; per > 12 {
		t.Errorf("%d bytes a reading, want at most 12", per)
	}
}
