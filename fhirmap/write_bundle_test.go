package fhirmap

import (
	"encoding/json"
	"strings"
	"testing"
)

type testBundle struct {
	ResourceType, Type string
	Entry              []struct {
		FullURL  string `json:"fullUrl"`
		Request  struct{ Method, URL, IfMatch string }
		Resource map[string]any
	}
}

func parseBundle(t *testing.T, b []byte) testBundle {
	t.Helper()
	var tb testBundle
	if err := json.Unmarshal(b, &tb); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestTransactionBundleByID(t *testing.T) {
	w := newTestWriter(t, PutByID)
	s := buildScenario(t, w, writeScenarios[1]).Windows[0]
	eie, err := w.EnteredInError(asServerCopy(t, s.ChargeItems[0].JSON, "5"), writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	entries := append(s.Entries(), BundleEntry{Resource: eie})
	entries[1].IfMatch = "9"
	b, err := w.TransactionBundle(entries...)
	if err != nil {
		t.Fatal(err)
	}
	tb := parseBundle(t, b)
	if tb.ResourceType != "Bundle" || tb.Type != "transaction" || len(tb.Entry) != 4 {
		t.Fatalf("bundle %s", b)
	}
	wantIfMatch := []string{"", `W/"9"`, "", `W/"5"`} // explicit, none, none, from Version
	for i, e := range tb.Entry {
		r := entries[i].Resource
		if e.Request.Method != "PUT" || e.Request.URL != r.ResourceType+"/"+r.ID || e.Resource["id"] != r.ID || e.FullURL != "" {
			t.Errorf("entry %d: %+v", i, e.Request)
		}
		if e.Request.IfMatch != wantIfMatch[i] {
			t.Errorf("entry %d: If-Match %q, want %q", i, e.Request.IfMatch, wantIfMatch[i])
		}
	}
	// With the server's base every PUT entry has fullUrl {base}/{Type}/{id}.
	b, err = w.TransactionBundleAt(writeTestServerBase+"/", entries...)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range parseBundle(t, b).Entry {
		r := entries[i].Resource
		if want := writeTestServerBase + "/" + r.ResourceType + "/" + r.ID; e.FullURL != want {
			t.Errorf("entry %d: fullUrl %q, want %q", i, e.FullURL, want)
		}
	}
	if _, err := w.TransactionBundle(); err == nil {
		t.Error("empty transaction accepted")
	}
	if _, err := w.TransactionBundle(BundleEntry{}); err == nil {
		t.Error("entry without a resource accepted")
	}
}

// Conditional mode: no client ids, urn:uuid fullUrls, references between
// entries rewritten, and the WriteSet itself left untouched.
func TestTransactionBundleConditional(t *testing.T) {
	w := newTestWriter(t, ConditionalPut)
	s := buildScenario(t, w, writeScenarios[1]).Windows[0]
	before := string(s.ChargeItems[0].JSON)
	b, err := w.TransactionBundle(s.Entries()...)
	if err != nil {
		t.Fatal(err)
	}
	tb := parseBundle(t, b)
	mrURN := tb.Entry[0].FullURL
	if !strings.HasPrefix(mrURN, "urn:uuid:") {
		t.Fatalf("fullUrl %q", mrURN)
	}
	for i, e := range tb.Entry {
		r := s.Resources()[i]
		want := r.ResourceType + "?identifier=" + strings.ReplaceAll(r.Identifier.System, "|", "%7C") + "%7C" + r.Identifier.Value
		if e.Request.URL != want || e.Resource["id"] != nil || e.FullURL != bundleUUID(r.Identifier) {
			t.Errorf("entry %d: url %q id %v fullUrl %q", i, e.Request.URL, e.Resource["id"], e.FullURL)
		}
	}
	if !strings.Contains(string(b), `"supportingInformation":[{"reference":"`+mrURN+`"}]`) ||
		!strings.Contains(string(b), `"focus":{"reference":"`+mrURN+`"}`) {
		t.Errorf("references not rewritten to the MeasureReport's urn: %s", b)
	}
	if string(s.ChargeItems[0].JSON) != before || !strings.Contains(before, `"id":"`+s.ChargeItems[0].ID+`"`) {
		t.Error("building the bundle changed the WriteSet")
	}
	// Without the MeasureReport in the Bundle the reference stays literal.
	b, err = w.TransactionBundle(BundleEntry{Resource: s.ChargeItems[0]})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"reference":"MeasureReport/`+s.MeasureReport.ID+`"`) {
		t.Errorf("reference outside the bundle rewritten: %s", b)
	}
}

// Bundles of the same built resources can be made concurrently: marshalling
// only reads them (run with -race).
func TestTransactionBundleConcurrent(t *testing.T) {
	for _, mode := range []WriteMode{PutByID, ConditionalPut} {
		w := newTestWriter(t, mode)
		entries := buildScenario(t, w, writeScenarios[1]).Windows[0].Entries()
		want, err := w.TransactionBundle(entries...)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan []byte)
		for range 4 {
			go func() {
				b, _ := w.TransactionBundle(entries...)
				done <- b
			}()
		}
		for range 4 {
			if got := <-done; string(got) != string(want) {
				t.Errorf("mode %d: concurrent bundle differs", mode)
			}
		}
	}
}
