package fhirmap

import (
	"strings"
	"testing"
)

// serverItem turns a built ChargeItem into the one the server would hold for
// code, with the given status and version.
func serverItem(t *testing.T, w *Writer, s *WindowSet, base *WriteResource, code, status, version string) []byte {
	t.Helper()
	v := IdentifierValue(writeTestTenant, writeTestPatient, code, s.Window.Start, s.RuleSet)
	b := setJSON(t, base.JSON, "code", map[string]any{"coding": []any{map[string]any{"system": SystemCPT, "code": code}}})
	b = setJSON(t, b, "identifier", []any{map[string]any{"system": w.IdentifierSystem(TypeChargeItem), "value": v}})
	b = setJSON(t, b, "id", ResourceID(PrefixChargeItem, v))
	b = setJSON(t, b, "status", status)
	return asServerCopy(t, b, version)
}

func TestReconcile(t *testing.T) {
	w := newTestWriter(t, PutByID)
	ws := buildScenario(t, w, writeScenarios[2]) // September: 99457 + 99458 ×3
	month := ws.Windows[1]
	if month.Window.Kind.String() != "month" || len(month.ChargeItems) != 2 {
		t.Fatalf("fixture changed: %+v", month)
	}
	ci57, ci58 := month.ChargeItems[0], month.ChargeItems[1]
	billed58 := setJSON(t, serverItem(t, w, month, ci58, "99458", "billed", "3"), "quantity", map[string]any{"value": 2})
	stale70 := serverItem(t, w, month, ci57, "99470", "planned", "1")
	existing := [][]byte{
		serverItem(t, w, month, ci57, "99457", "billable", "2"), // update with If-Match 2
		billed58, // billed: untouched, finding
		stale70,  // no longer supported: withdrawn
		serverItem(t, w, month, ci57, "99454", "billable", "1"),                         // a device code: not this window's kind
		setJSON(t, serverItem(t, w, month, ci57, "99470", "planned", "1"), "meta", nil), // another writer's
		ws.Windows[0].ChargeItems[0].JSON,                                               // the period's 99445
	}
	plan, err := w.Reconcile(writeTestPatient, month, existing, writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Resource.ResourceType+"/"+e.Resource.ID+" "+e.IfMatch+e.Resource.Version)
	}
	want := []string{
		"MeasureReport/" + month.MeasureReport.ID + " ",
		"ChargeItem/" + ci57.ID + " 2",
		"ChargeItem/" + ResourceID(PrefixChargeItem, IdentifierValue(writeTestTenant, writeTestPatient, "99470", month.Window.Start, month.RuleSet)) + " 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(string(plan.Entries[2].Resource.JSON), `"status":"entered-in-error"`) {
		t.Errorf("stale item not withdrawn: %s", plan.Entries[2].Resource.JSON)
	}
	if len(plan.Findings) != 1 || plan.Findings[0].Code != "billed-item-differs" || plan.Findings[0].Ref != "ChargeItem/"+ci58.ID {
		t.Errorf("findings %+v", plan.Findings)
	}

	// A billed item the evaluation no longer supports is reported, not changed;
	// an already withdrawn one is left alone; a billed one that agrees is silent.
	existing = [][]byte{
		serverItem(t, w, month, ci57, "99470", "billed", "4"),
		serverItem(t, w, month, ci57, "99470", "entered-in-error", "2"),
		serverItem(t, w, month, ci58, "99458", "billed", "6"),
	}
	plan, err = w.Reconcile(writeTestPatient, month, existing, writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Entries) != 2 || len(plan.Findings) != 1 || plan.Findings[0].Code != "billed-item-unsupported" {
		t.Errorf("entries %d findings %+v", len(plan.Entries), plan.Findings)
	}
	if strings.Contains(plan.Findings[0].Message, writeTestPatient) {
		t.Error("finding quotes the patient id")
	}

	if _, err := w.Reconcile(writeTestPatient, month, [][]byte{[]byte("{")}, writeTestNow); err == nil {
		t.Error("unreadable existing item accepted")
	}
	if _, err := w.Reconcile(writeTestPatient, nil, nil, writeTestNow); err == nil {
		t.Error("nil window accepted")
	}
}
