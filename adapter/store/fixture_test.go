package store

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

var testNow = time.Date(2026, 10, 20, 14, 30, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

func d(s string) rules.Date {
	v, err := rules.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sampleResult has every field the store keeps set to something other than
// its zero value: a closed period with lines, an open one with progress and
// a provisional line, a closed month with minutes, interactive evidence and
// a finding, and findings that belong to no window.
func sampleResult() *rules.Result {
	pol := rules.DefaultPolicy()
	pol.SetupMinDays2026 = 10
	pol.CountPreliminary = true
	closed := rules.Window{Kind: rules.Period30, Start: d("2026-09-03"), End: d("2026-10-02"), Index: 0}
	open := rules.Window{Kind: rules.Period30, Start: d("2026-10-03"), End: d("2026-11-01"), Index: 1}
	month := rules.Window{Kind: rules.CalendarMonth, Start: d("2026-09-01"), End: d("2026-09-30")}
	var ev []rules.DayEvidence
	for i := range 17 {
		refs := []string{"Observation/o" + string(rune('a'+i))}
		if i%3 == 0 {
			refs = append(refs, "Observation/x"+string(rune('a'+i)))
		}
		ev = append(ev, rules.DayEvidence{Date: closed.Start.AddDays(i), Refs: refs})
	}
	return &rules.Result{
		Zone: "America/New_York", Policy: pol, AsOf: d("2026-10-20"), Anchor: d("2026-09-03"), AnchorSource: "episode",
		Findings: []rules.Finding{{Code: "reading-no-device", Rule: "R-DAY-1", Ref: "Observation/z1",
			Message: "A reading not transmitted by a device does not count."}},
		Periods: []rules.PeriodResult{
			{Window: closed, RuleSet: rules.CMSPFS2026, Days: 17, Evidence: ev,
				Lines:    []rules.CodeLine{{Code: "99453", Units: 1, DOS: d("2026-10-02")}, {Code: "99454", Units: 1, DOS: d("2026-10-02")}},
				Findings: []rules.Finding{{Code: "days-met", Rule: "R-DAY-2", Message: "17 days with data: 16 needed."}}},
			{Window: open, RuleSet: rules.CMSPFS2026, Provisional: true, Days: 12,
				Evidence: []rules.DayEvidence{{Date: d("2026-10-05"), Refs: []string{"Observation/p1"}}},
				Progress: &rules.Progress{Have: 12, Need: 10, Missing: 0, DaysLeft: 12, Reachable: true},
				Lines:    []rules.CodeLine{{Code: "99445", Units: 1, DOS: d("2026-11-01"), Provisional: true}}},
		},
		Months: []rules.MonthResult{{
			Window: month, RuleSet: rules.CMSPFS2026, Seconds: 1330, Minutes: 22, Interactive: true,
			InteractiveRefs: []string{"Communication/c1"}, DataDays: 14, UnbilledMinutes: 2,
			Evidence: []rules.MinuteEvidence{
				{Start: at("2026-09-05T14:00:00Z"), End: at("2026-09-05T14:20:00Z"), Refs: []string{"Communication/c1"}},
				{Start: at("2026-09-06T15:00:00Z"), End: at("2026-09-06T15:02:10Z"), Refs: []string{"Communication/c2"}},
			},
			Lines: []rules.CodeLine{{Code: "99457", Units: 1, DOS: d("2026-09-30")}},
			Findings: []rules.Finding{{Code: "interaction-no-duration", Rule: "R-TIME-2", Ref: "Communication/c3",
				Message: "An interaction has no duration; it counts zero minutes."}},
		}},
	}
}

func sampleRecord() Record {
	return Record{
		Patient:   PatientInfo{DisplayName: "Test Patient", MRN: "MRN-0001"},
		ProfileID: "medicare-part-b",
		Activities: []rules.Interaction{
			{Ref: "Communication/c2", Start: at("2026-09-06T15:00:00Z"), Duration: 130 * time.Second, Medium: rules.MediumWritten, Completed: true},
			{Ref: "Communication/c1", Start: at("2026-09-05T14:00:00Z"), Duration: 20 * time.Minute, Medium: rules.MediumRemote, Completed: true},
			{Ref: "Communication/c3", Start: at("2026-09-07T16:00:00Z"), Medium: rules.MediumInPerson, Completed: true},
			// 2026-10-01 02:00 UTC is still 30 September in New York (R-DAY-4).
			{Ref: "Communication/c5", Start: at("2026-10-01T02:00:00Z"), Duration: time.Minute, Medium: rules.MediumOther, Completed: true},
			// October: no month of this result holds it.
			{Ref: "Communication/c4", Start: at("2026-10-05T14:00:00Z"), Duration: time.Minute, Medium: rules.MediumRemote, Completed: true},
		},
		Written: []Written{{WindowKind: rules.CalendarMonth, WindowStart: d("2026-09-01"), ResourceType: "MeasureReport",
			ResourceID: "rpm-mr-0123456789abcdef", IdentifierSystem: "https://example.org/identifier/MeasureReport",
			IdentifierValue: "abc", WrittenAt: at("2026-10-20T14:29:00Z")}},
	}
}

// checkRoundTrip compares what the store returns with what was recorded,
// as indented JSON (instants in RFC 3339, so both drivers print alike).
func checkRoundTrip(t *testing.T, got []Evaluation, res *rules.Result, rec Record) {
	t.Helper()
	want, err := windowsOf("t1", "p1", res, rec, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got = slices.Clone(got)
	for i := range got {
		got[i].Lines = slices.Clone(got[i].Lines)
		for j := range got[i].Lines {
			// Set by the store, checked apart.
			got[i].Lines[j].CreatedAt, got[i].Lines[j].UpdatedAt = time.Time{}, time.Time{}
		}
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("evaluations read back differ\n--- want\n%s\n--- got\n%s", w, g)
	}
}
