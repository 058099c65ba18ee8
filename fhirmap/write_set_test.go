package fhirmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Same input → byte-identical JSON (fhir-mapping.md §3: a second run leaves
// the same resources), whichever Writer builds it and however many run at
// once.
func TestWriteDeterministic(t *testing.T) {
	w1, w2 := newTestWriter(t, PutByID), newTestWriter(t, PutByID)
	for _, sc := range writeScenarios {
		a, b := flatJSON(buildScenario(t, w1, sc)), flatJSON(buildScenario(t, w2, sc))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two builds differ", sc.name)
		}
	}
	// Concurrent builds on one Writer (run with -race).
	var wg sync.WaitGroup
	want := flatJSON(buildScenario(t, w1, writeScenarios[1]))
	res := writeScenarios[1].res(t)
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := w1.Build(writeTestPatient, res, writeTestNow)
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(flatJSON(ws), want) {
				errs <- fmt.Errorf("concurrent build differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The run time is written as a UTC instant, whatever zone it comes in.
func TestWriteNowInAnyZoneIsTheSameInstant(t *testing.T) {
	w := newTestWriter(t, PutByID)
	res := closedPeriodResult(t)
	tokyo := time.FixedZone("JST", 9*3600)
	a, err := w.Build(writeTestPatient, res, writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Build(writeTestPatient, res, writeTestNow.In(tokyo).Add(400*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(flatJSON(a), flatJSON(b)) {
		t.Error("the zone or sub-second part of now changed the output")
	}
}

func flatJSON(ws *WriteSet) []byte {
	var out []byte
	for _, r := range ws.Resources() {
		out = append(out, r.JSON...)
		out = append(out, '\n')
	}
	return out
}

// No patient data outside subject / for: ids, identifiers, descriptions,
// extensions and bundle URLs carry hashes, counts and dates only.
func TestWriteNoPatientData(t *testing.T) {
	w := newTestWriter(t, PutByID)
	cw := newTestWriter(t, ConditionalPut)
	var docs [][]byte
	for _, sc := range writeScenarios {
		ws := buildScenario(t, w, sc)
		for _, r := range ws.Resources() {
			docs = append(docs, r.JSON)
			for _, s := range []string{r.ID, r.Identifier.Value, r.Identifier.System} {
				if strings.Contains(s, writeTestPatient) || strings.Contains(s, writeTestTenant) {
					t.Errorf("%s: id or identifier %q carries patient or tenant data", sc.name, s)
				}
			}
		}
		for _, s := range ws.Windows {
			for _, wr := range []*Writer{w, cw} {
				b, err := wr.TransactionBundle(s.Entries()...)
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, b)
			}
		}
	}
	allowed := regexp.MustCompile(`(^|\.)(subject|for)\.reference$`)
	for _, d := range docs {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(d), writeTestTenant) {
			t.Errorf("tenant appears in %s", d)
		}
		walkJSON("", v, func(path, s string) {
			if strings.Contains(s, writeTestPatient) && (!allowed.MatchString(path) || s != "Patient/"+writeTestPatient) {
				t.Errorf("patient id at %s: %q", path, s)
			}
		})
	}
}

func walkJSON(path string, v any, visit func(path, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			visit(path+"#key", k)
			p := k
			if path != "" {
				p = path + "." + k
			}
			walkJSON(p, e, visit)
		}
	case []any:
		for _, e := range x {
			walkJSON(path, e, visit)
		}
	case string:
		visit(path, x)
	}
}

var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

func TestWriteResourcesCarryTagIdentifierAndValidID(t *testing.T) {
	w := newTestWriter(t, PutByID)
	for _, sc := range writeScenarios {
		for _, r := range buildScenario(t, w, sc).Resources() {
			if !fhirID.MatchString(r.ID) || !strings.ContainsAny(r.ID, "abcdefghijklmnopqrstuvwxyz") {
				t.Errorf("%s: id %q is not a valid FHIR id with a letter", sc.name, r.ID)
			}
			var doc struct {
				ResourceType string
				ID           string
				Meta         struct {
					Tag []struct{ System, Code string }
				}
				Identifier []struct{ System, Value string }
			}
			if err := json.Unmarshal(r.JSON, &doc); err != nil {
				t.Fatal(err)
			}
			wantSys := "http://rpm-adapter.org/fhir/identifier/" + strings.ToLower(r.ResourceType)
			if doc.ResourceType != r.ResourceType || doc.ID != r.ID ||
				len(doc.Identifier) != 1 || doc.Identifier[0].System != wantSys || doc.Identifier[0].Value != r.Identifier.Value {
				t.Errorf("%s: %s/%s has the wrong type, id or identifier: %+v", sc.name, r.ResourceType, r.ID, doc)
			}
			if len(doc.Meta.Tag) != 1 || doc.Meta.Tag[0].System != "http://rpm-adapter.org/fhir/CodeSystem/rpm-adapter" || doc.Meta.Tag[0].Code != "generated" {
				t.Errorf("%s: %s lacks the generated tag", sc.name, r.ID)
			}
			if want := ResourceID(map[string]string{TypeMeasureReport: PrefixMeasureReport, TypeChargeItem: PrefixChargeItem, TypeTask: PrefixTask}[r.ResourceType], r.Identifier.Value); r.ID != want {
				t.Errorf("%s: id %s, want %s from the identifier", sc.name, r.ID, want)
			}
		}
	}
}

// Statuses follow the window: open → pending / planned (R-PER-5, nothing
// provisional is billable), closed → complete / billable.
func TestWriteStatusesFollowTheWindow(t *testing.T) {
	w := newTestWriter(t, PutByID)
	type status struct{ Status string }
	get := func(r *WriteResource) string {
		var s status
		if err := json.Unmarshal(r.JSON, &s); err != nil {
			t.Fatal(err)
		}
		return s.Status
	}
	for _, sc := range writeScenarios {
		for _, s := range buildScenario(t, w, sc).Windows {
			wantMR, wantCI := "complete", "billable"
			if s.Provisional {
				wantMR, wantCI = "pending", "planned"
			}
			if got := get(s.MeasureReport); got != wantMR {
				t.Errorf("%s %s: MeasureReport %s, want %s", sc.name, s.Window.Kind, got, wantMR)
			}
			for _, ci := range s.ChargeItems {
				if got := get(ci); got != wantCI {
					t.Errorf("%s %s: ChargeItem %s, want %s", sc.name, s.Window.Kind, got, wantCI)
				}
			}
			if s.Task != nil && (!s.Provisional || get(s.Task) != "requested") {
				t.Errorf("%s %s: a Task on a closed window or not requested", sc.name, s.Window.Kind)
			}
			if s.TaskID == "" || (s.Task != nil && s.Task.ID != s.TaskID) {
				t.Errorf("%s %s: TaskID %q does not name the window's Task", sc.name, s.Window.Kind, s.TaskID)
			}
		}
	}
}

// A Task only when a threshold is reachable but not yet met (R-PER-5).
func TestWriteTaskOnlyWhenReachableAndNotMet(t *testing.T) {
	w := newTestWriter(t, PutByID)
	period := rules.Window{Kind: rules.Period30, Start: rules.DateOf(2026, 10, 15), End: rules.DateOf(2026, 11, 13)}
	month := rules.Window{Kind: rules.CalendarMonth, Start: rules.DateOf(2026, 11, 1), End: rules.DateOf(2026, 11, 30)}
	cases := []struct {
		name     string
		period   *rules.PeriodResult
		month    *rules.MonthResult
		wantTask bool
		wantText string
	}{
		{name: "4 more days reachable", wantTask: true, wantText: "Needs 4 more days with device readings by 2026-11-13 (12 of 16 days; 9 days left).",
			period: &rules.PeriodResult{Window: period, Provisional: true, Days: 12, Progress: &rules.Progress{Have: 12, Need: 16, Missing: 4, DaysLeft: 9, Reachable: true}}},
		{name: "1 more day on the last day", wantTask: true, wantText: "Needs 1 more day with device readings by 2026-11-13 (15 of 16 days; 0 days left).",
			period: &rules.PeriodResult{Window: period, Provisional: true, Days: 15, Progress: &rules.Progress{Have: 15, Need: 16, Missing: 1, DaysLeft: 0, Reachable: true}}},
		{name: "unreachable days get no Task",
			period: &rules.PeriodResult{Window: period, Provisional: true, Days: 2, Progress: &rules.Progress{Have: 2, Need: 16, Missing: 14, DaysLeft: 9, Reachable: false}}},
		{name: "16 days already met get no Task",
			period: &rules.PeriodResult{Window: period, Provisional: true, Days: 16, Progress: &rules.Progress{Have: 16, Need: 16, DaysLeft: 9, Reachable: true}}},
		{name: "a closed period gets no Task",
			period: &rules.PeriodResult{Window: period, Days: 12, Progress: &rules.Progress{Have: 12, Need: 16, Missing: 4, Reachable: true}}},
		{name: "minutes only", wantTask: true, wantText: "Needs 1 more minute of treatment management by 2026-11-30 (19 of 20 minutes; 1 day left).",
			month: &rules.MonthResult{Window: month, Provisional: true, Minutes: 19, Interactive: true, Progress: &rules.Progress{Have: 19, Need: 20, Missing: 1, DaysLeft: 1, Reachable: true}}},
		{name: "interactive call only", wantTask: true, wantText: "Needs an interactive call by 2026-11-30 (25 of 20 minutes; 26 days left).",
			month: &rules.MonthResult{Window: month, Provisional: true, Minutes: 25, Progress: &rules.Progress{Have: 25, Need: 20, DaysLeft: 26, Reachable: true, NeedsInteractive: true}}},
		{name: "minutes and call met get no Task",
			month: &rules.MonthResult{Window: month, Provisional: true, Minutes: 25, Interactive: true, Progress: &rules.Progress{Have: 25, Need: 20, DaysLeft: 26, Reachable: true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := &rules.Result{Zone: "America/Chicago", Policy: rules.DefaultPolicy(), AsOf: rules.DateOf(2026, 11, 4), Anchor: period.Start, AnchorSource: "enrollment"}
			if c.period != nil {
				c.period.RuleSet = rules.CMSPFS2026
				res.Periods = []rules.PeriodResult{*c.period}
			} else {
				c.month.RuleSet = rules.CMSPFS2026
				res.Months = []rules.MonthResult{*c.month}
			}
			ws, err := w.Build(writeTestPatient, res, writeTestNow)
			if err != nil {
				t.Fatal(err)
			}
			task := ws.Windows[0].Task
			if (task != nil) != c.wantTask {
				t.Fatalf("Task present = %v, want %v", task != nil, c.wantTask)
			}
			if task == nil {
				return
			}
			var doc struct{ Description string }
			if err := json.Unmarshal(task.JSON, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Description != c.wantText {
				t.Errorf("description\n got %q\nwant %q", doc.Description, c.wantText)
			}
		})
	}
}

func TestWriteBuildRefusesBadInput(t *testing.T) {
	w := newTestWriter(t, PutByID)
	res := closedPeriodResult(t)
	for _, pid := range []string{"", "has space", strings.Repeat("x", 65), "a/b"} {
		if _, err := w.Build(pid, res, writeTestNow); err == nil {
			t.Errorf("patient id %q accepted", pid)
		} else if pid != "" && strings.Contains(err.Error(), pid) {
			t.Errorf("error quotes the patient id: %v", err)
		}
	}
	if _, err := w.Build(writeTestPatient, nil, writeTestNow); err == nil {
		t.Error("nil result accepted")
	}
}

// A finding code that is not a valid FHIR code fails validation instead of
// producing invalid JSON.
func TestWriteValidationCatchesInvalidContent(t *testing.T) {
	w := newTestWriter(t, PutByID)
	res := closedPeriodResult(t)
	res.Findings = append(res.Findings, rules.Finding{Code: "two  spaces", Message: "x"})
	if _, err := w.Build(writeTestPatient, res, writeTestNow); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Errorf("got %v, want a validation error", err)
	}
}
