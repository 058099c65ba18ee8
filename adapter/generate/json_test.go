package generate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestAppendStrEscapesLikeJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x1f", "Müller – ü"} {
		var back string
		b := appendStr(nil, s)
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("appendStr(%q) = %s, reads back %q, %v", s, b, back, err)
		}
	}
}

func TestAppendInstantWritesTheLocalTimeAndItsOffset(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		t    time.Time
		utc  bool
		want string
	}{
		{"daylight time in New York", time.Date(2026, 10, 31, 0, 30, 0, 0, ny), false, `"2026-10-31T00:30:00-04:00"`},
		{"standard time after the change", time.Date(2026, 11, 2, 0, 30, 0, 0, ny), false, `"2026-11-02T00:30:00-05:00"`},
		{"the same instant in UTC", time.Date(2026, 11, 1, 23, 30, 0, 0, ny), true, `"2026-11-02T04:30:00Z"`},
		{"east of UTC", time.Date(2026, 10, 13, 0, 30, 0, 0, berlin), false, `"2026-10-13T00:30:00+02:00"`},
	} {
		if got := string(appendInstant(nil, c.t, c.utc)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		var back time.Time
		if err := json.Unmarshal(appendInstant(nil, c.t, c.utc), &back); err != nil || !back.Equal(c.t) {
			t.Errorf("%s: reads back %v, %v", c.name, back, err)
		}
	}
}

func TestSmallFormats(t *testing.T) {
	if got := string(appendTenths(nil, 824)); got != "82.4" {
		t.Errorf("appendTenths(824) = %s", got)
	}
	if got := string(appendTenths(nil, 7)); got != "0.7" {
		t.Errorf("appendTenths(7) = %s", got)
	}
	if got := string(appendSeq(nil, "pt-", 42, 5)); got != "pt-00042" {
		t.Errorf("appendSeq = %s", got)
	}
	if got := string(appendSeq(nil, "pt-", 1234567, 5)); got != "pt-1234567" {
		t.Errorf("appendSeq wide = %s", got)
	}
	if got := string(appendDate(nil, rules.DateOf(2026, time.February, 14))); got != `"2026-02-14"` {
		t.Errorf("appendDate = %s", got)
	}
	if got := string(appendDuration(nil, 1199, "s")); got != `{"value":1199,"unit":"s","system":"http://unitsofmeasure.org","code":"s"}` {
		t.Errorf("appendDuration = %s", got)
	}
}
