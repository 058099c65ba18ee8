package fhirmap

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The golden files under testdata/golden/read/ are the decoded structs and
// issues of every input under testdata/fhir/, as stable indented JSON.
// Regenerate them with
//
//	go test ./fhirmap/ -run 'TestReadGolden|TestR4Examples' -update
//
// and review the diff.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func readUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	readInputDir  = "../testdata/fhir"
	readGoldenDir = "../testdata/golden/read"
)

// TestReadGolden decodes the realistic inputs written for this package.
func TestReadGolden(t *testing.T) {
	readGoldenDirRun(t, "read")
}

// TestR4Examples decodes the examples published with the FHIR R4
// specification (testdata/fhir/r4-examples/README.md says what each one
// maps to, or why it is reported).
func TestR4Examples(t *testing.T) {
	readGoldenDirRun(t, "r4-examples")
}

func readGoldenDirRun(t *testing.T, dir string) {
	files, err := filepath.Glob(filepath.Join(readInputDir, dir, "*.*json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs in %s: %v", dir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			got := readGoldenView(t, filepath.Join(dir, name))
			sub := dir
			if dir == "read" { // this package's own inputs sit at the top
				sub = ""
			}
			golden := filepath.Join(readGoldenDir, sub, strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".ndjson")+".golden.json")
			if readUpdate() {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (-update to accept):\n%s", name, golden, readLineDiff(want, got))
			}
		})
	}
}

// readGoldenView decodes one input file and renders the result.
func readGoldenView(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(readInputDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"input": filepath.ToSlash(rel)}
	if strings.HasSuffix(rel, ".ndjson") {
		var lines []any
		encounters := map[string]*Encounter{}
		var comms []*Communication
		err := DecodeNDJSON(bytes.NewReader(b), func(res Resource, issues []Issue) error {
			line := map[string]any{"resource": readView(res), "issues": readIssuesView(issues)}
			if len(issues) > 0 {
				line["line"] = issues[0].Line
			}
			switch r := res.(type) {
			case *Encounter:
				encounters[r.ID] = r
			case *Communication:
				comms = append(comms, r)
			}
			lines = append(lines, line)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out["lines"] = lines
		if len(comms) > 0 {
			out["interactions"] = readInteractionsView(comms, encounters)
		}
	} else {
		res, issues := Decode(b)
		out["resource"] = readView(res)
		out["issues"] = readIssuesView(issues)
		if bundle, ok := res.(*Bundle); ok {
			encounters := map[string]*Encounter{}
			var comms []*Communication
			for _, e := range bundle.Entries {
				switch r := e.Resource.(type) {
				case *Encounter:
					encounters[r.ID] = r
				case *Communication:
					comms = append(comms, r)
				}
			}
			if len(comms) > 0 {
				out["interactions"] = readInteractionsView(comms, encounters)
			}
		}
		if c, ok := res.(*Communication); ok {
			out["interactions"] = readInteractionsView([]*Communication{c}, nil)
		}
	}
	j, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(j, '\n')
}

func readInteractionsView(comms []*Communication, encounters map[string]*Encounter) []any {
	var out []any
	for _, c := range comms {
		in, issues := Interaction(c, encounters[c.Encounter])
		out = append(out, map[string]any{
			"ref":       in.Ref,
			"start":     readTime(in.Start),
			"duration":  in.Duration.String(),
			"medium":    readMediumName(in.Medium),
			"program":   string(in.Program),
			"completed": in.Completed,
			"issues":    readIssuesView(issues),
		})
	}
	return out
}

func readIssuesView(issues []Issue) []Issue {
	if issues == nil {
		return []Issue{}
	}
	return issues
}

func readTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func readDate(d rules.Date) any {
	if d == rules.NoDate {
		return nil
	}
	return d.String()
}

func readWhen(w When) any {
	switch w.Kind {
	case WhenInstant:
		return map[string]any{"instant": readTime(w.At)}
	case WhenDate:
		return map[string]any{"date": readDate(w.Date)}
	}
	return nil
}

// readMoment renders a rules.Moment like readWhen renders a When.
func readMoment(m rules.Moment) any {
	switch {
	case !m.At.IsZero():
		return map[string]any{"instant": readTime(m.At)}
	case m.Date == rules.NoDate || m.Date == 0:
		return nil
	}
	return map[string]any{"date": readDate(m.Date)}
}

func readMediumName(m rules.Medium) string {
	return [...]string{"none", "remote", "in-person", "written", "other"}[m]
}

func readStatusName(s rules.ReadingStatus) string {
	return [...]string{"other", "final", "amended", "corrected", "preliminary", "entered-in-error"}[s]
}

// readView renders a decoded resource with dates as text and enums by name.
func readView(res Resource) any {
	switch r := res.(type) {
	case nil:
		return nil
	case *Observation:
		return map[string]any{"resourceType": "Observation", "id": r.ID, "patient": r.Patient, "status": r.Status,
			"reading": map[string]any{
				"ref": r.Reading.Ref, "at": readTime(r.Reading.At), "date": readDate(r.Reading.Date),
				"device": r.Reading.Device, "fromDevice": r.Reading.FromDevice, "status": readStatusName(r.Reading.Status),
				"hasValue": r.Reading.HasValue, "test": r.Reading.Test,
			}}
	case *Communication:
		return map[string]any{"resourceType": "Communication", "id": r.ID, "patient": r.Patient, "status": r.Status,
			"completed": r.Completed, "sent": readTime(r.Sent), "medium": readMediumName(r.Medium),
			"program": string(r.Program), "duration": r.Duration.String(), "hasDuration": r.HasDuration,
			"encounter": r.Encounter}
	case *Encounter:
		return map[string]any{"resourceType": "Encounter", "id": r.ID, "patient": r.Patient, "status": r.Status,
			"start": readTime(r.Start), "end": readTime(r.End), "length": r.Length.String(), "hasLength": r.HasLength}
	case *Patient:
		return map[string]any{"resourceType": "Patient", "id": r.ID, "timeZone": r.TimeZone, "location": r.Location != nil,
			"displayName": r.DisplayName, "mrn": r.MRN}
	case *EpisodeOfCare:
		return map[string]any{"resourceType": "EpisodeOfCare", "id": r.ID, "patient": r.Patient, "status": r.Status,
			"rpm": r.RPM, "start": readWhen(r.Start), "anchoring": r.Anchoring()}
	case *ChargeItem:
		v := map[string]any{"resourceType": "ChargeItem", "id": r.ID, "versionId": r.VersionID, "patient": r.Patient,
			"status": r.Status, "code": r.Code, "start": readWhen(r.Start), "end": readWhen(r.End),
			"organization": r.Organization, "own": r.Own, "identifierSystem": r.IdentifierSystem, "identifier": r.Identifier}
		if ch, ok := r.Charge(readChicago); ok {
			v["charge(America/Chicago)"] = map[string]any{"ref": ch.Ref, "code": ch.Code, "start": ch.Start.String(),
				"end": ch.End.String(), "organization": ch.Organization, "own": ch.Own}
		}
		return v
	case *Coverage:
		rc := r.Rules()
		return map[string]any{"resourceType": "Coverage", "id": r.ID, "patient": r.Patient, "status": r.Status,
			"start": readWhen(r.Start), "end": readWhen(r.End), "payors": r.Payors,
			"rules": map[string]any{"ref": rc.Ref, "active": rc.Active, "start": readMoment(rc.Start), "end": readMoment(rc.End),
				"payorRefs": rc.PayorRefs, "payorIDs": rc.PayorIDs}}
	case *Condition:
		rc := r.Rules()
		return map[string]any{"resourceType": "Condition", "id": r.ID, "patient": r.Patient,
			"clinicalStatus": r.ClinicalStatus, "verificationStatus": r.VerificationStatus, "codes": r.Codes, "onset": readWhen(r.Onset),
			"rules": map[string]any{"ref": rc.Ref, "active": rc.Active, "refuted": rc.Refuted, "onset": readMoment(rc.Onset), "codes": rc.Codes}}
	case *Consent:
		rc := r.Rules()
		return map[string]any{"resourceType": "Consent", "id": r.ID, "patient": r.Patient, "status": r.Status, "rpm": r.RPM,
			"provisionType": r.ProvisionType, "start": readWhen(r.Start), "end": readWhen(r.End), "dateTime": readWhen(r.DateTime),
			"rules": map[string]any{"ref": rc.Ref, "active": rc.Active, "rpm": rc.RPM, "deny": rc.Deny,
				"start": readMoment(rc.Start), "end": readMoment(rc.End), "dateTime": readMoment(rc.DateTime)}}
	case *Group:
		return map[string]any{"resourceType": "Group", "id": r.ID, "members": r.Members}
	case *OperationOutcome:
		return map[string]any{"resourceType": "OperationOutcome", "id": r.ID, "issues": r.Issues}
	case *Bundle:
		var entries []any
		for _, e := range r.Entries {
			entries = append(entries, map[string]any{"fullUrl": e.FullURL, "mode": e.Mode,
				"resource": readView(e.Resource), "response": readResponseView(e.Response)})
		}
		return map[string]any{"resourceType": "Bundle", "id": r.ID, "type": r.Type, "total": r.Total,
			"next": r.Next, "entries": entries}
	}
	panic("readView: unhandled resource type")
}

func readResponseView(r *Response) any {
	if r == nil {
		return nil
	}
	v := map[string]any{"status": r.Status, "code": r.Code, "location": r.Location, "etag": r.ETag}
	if r.Outcome != nil {
		v["outcome"] = readView(r.Outcome)
	}
	return v
}

var readChicago = func() *time.Location {
	l, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	return l
}()

// readLineDiff shows the first lines that differ.
func readLineDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + "\n- " + wl + "\n+ " + gl + "\n")
			if shown++; shown == 10 {
				break
			}
		}
	}
	return b.String()
}
