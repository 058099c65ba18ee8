package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// daysJSON writes what encoding/json writes of the same days, so rows
// recorded before and after it was hand-written read the same.
func TestDaysJSONIsWhatEncodingJSONWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		ds := make([]DayCount, r.IntN(32))
		if i == 0 {
			ds = nil
		}
		for j := range ds {
			ds[j] = DayCount{Date: rules.Date(r.Int32N(2_900_000)), Readings: r.IntN(5000) - 10}
		}
		ws := make([]dayJSON, len(ds))
		for j, d := range ds {
			ws[j] = dayJSON{d.Date.String(), d.Readings}
		}
		want, err := json.Marshal(ws)
		if err != nil {
			t.Fatal(err)
		}
		got, err := daysJSON(ds)
		if err != nil || got != string(want) {
			t.Fatalf("daysJSON = %s, %v; encoding/json writes %s", got, err, want)
		}
		back, err := parseDays([]byte(got))
		if err != nil || len(back) != len(ds) {
			t.Fatalf("parseDays(%s) = %v, %v", got, back, err)
		}
	}
}
