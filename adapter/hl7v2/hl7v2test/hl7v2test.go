// Package hl7v2test runs the independent HL7 v2 parser of the tests: HAPI
// HL7v2 (testdata/hl7v2check, Java and Maven), which reads every message the
// adapter wrote with validation against the 2.5.1 structures and gives back
// the fields it read. Imported by tests only.
//
// Without java or mvn the test is skipped, except under CI=true, where it
// fails: the check must never pass silently in CI.
package hl7v2test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Message is what HAPI read of one DFT^P03.
type Message struct {
	ControlID, Type, Version, ProcessingID string
	// PID-3.1, PID-3.4, PID-3.5 and PID-5.1.
	PatientID, Authority, IDType, Family string
	PatientClass                         string
	SendingApp, ReceivingApp             string
	FT1                                  []FT1
}

// FT1 is what HAPI read of one FT1 segment.
type FT1 struct {
	SetID, TransactionID, Date, Type, Code, CodingSystem, Quantity, ProcedureCode, ProcedureSystem string
}

// Parsed is a whole input: its messages and, for a batch file, the FHS/BHS
// control ids and the BTS/FTS counts.
type Parsed struct {
	Messages []Message
	Batch    []string // messages found, FHS-11, BHS-11, BTS-1, FTS-1; nil without FHS
}

// Parse runs HAPI on content and fails the test when HAPI refuses it.
func Parse(t testing.TB, content []byte) Parsed {
	t.Helper()
	script := checkScript(t)
	cmd := exec.Command("bash", script)
	cmd.Stdin = bytes.NewReader(content)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("HAPI HL7v2 refused the output: %v\n%s", err, lastLines(stderr.String(), 15))
	}
	var p Parsed
	for _, line := range strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n") {
		f := strings.Split(line, "\t")
		switch f[0] {
		case "BATCH":
			p.Batch = f[1:]
		case "MSG":
			f = append(f, make([]string, 13)...)
			p.Messages = append(p.Messages, Message{ControlID: f[1], Type: f[2], Version: f[3], ProcessingID: f[4],
				PatientID: f[5], Authority: f[6], IDType: f[7], Family: f[8], PatientClass: f[9], SendingApp: f[10], ReceivingApp: f[11]})
		case "FT1":
			f = append(f, make([]string, 12)...)
			if len(p.Messages) == 0 || p.Messages[len(p.Messages)-1].ControlID != f[1] {
				t.Fatalf("hl7v2check printed an FT1 outside its message: %q", line)
			}
			m := &p.Messages[len(p.Messages)-1]
			m.FT1 = append(m.FT1, FT1{SetID: f[2], TransactionID: f[3], Date: f[4], Type: f[5], Code: f[6], CodingSystem: f[7],
				Quantity: f[8], ProcedureCode: f[9], ProcedureSystem: f[10]})
		case "":
		default:
			t.Fatalf("hl7v2check printed %q", line)
		}
	}
	return p
}

// Refuses says whether HAPI refuses content (for tests of the check
// itself), and why.
func Refuses(t testing.TB, content []byte) (bool, string) {
	t.Helper()
	cmd := exec.Command("bash", checkScript(t))
	cmd.Stdin = bytes.NewReader(content)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return err != nil, lastLines(stderr.String(), 3)
}

func checkScript(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true but %s is missing: the HL7 v2 check needs Java 17 and Maven", tool)
			}
			t.Skipf("%s is missing: the HL7 v2 check (HAPI HL7v2) needs Java 17 and Maven", tool)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "hl7v2check", "check.sh")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
