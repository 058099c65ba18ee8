package billing_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rpm-adapter/rpm-adapter/adapter/billing"
	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2/hl7v2test"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

func date(s string) rules.Date {
	d, err := rules.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// result is one patient's closed period (99454) and closed month (99457,
// 99458 x2) of October 2026.
func result() *rules.Result {
	return &rules.Result{Zone: "America/New_York", Policy: rules.DefaultPolicy(), AsOf: date("2026-11-05"),
		Periods: []rules.PeriodResult{{Window: rules.Window{Kind: rules.Period30, Start: date("2026-09-03"), End: date("2026-10-02")},
			RuleSet: rules.CMSPFS2026, Days: 20, Lines: []rules.CodeLine{{Code: "99454", Units: 1, DOS: date("2026-10-02")}}}},
		Months: []rules.MonthResult{{Window: rules.Window{Kind: rules.CalendarMonth, Start: date("2026-10-01"), End: date("2026-10-31")},
			RuleSet: rules.CMSPFS2026, Minutes: 61, Interactive: true, DataDays: 20,
			Lines: []rules.CodeLine{{Code: "99457", Units: 1, DOS: date("2026-10-31")}, {Code: "99458", Units: 2, DOS: date("2026-10-31")}}}},
	}
}

// patients are recorded with awkward names and MRNs: delimiters of both
// formats.
var patients = []struct{ id, name, mrn string }{
	{"pa", "Ann \"Nan\" O'Neil, Jr.", "M-1,2"},
	{"pb", "Bob|Hat^Smith~&\\", "M^2|x"},
	{"pc", "", ""},
}

// stores gives a store per database the suite runs on (SQLite, and
// PostgreSQL when RPM_TEST_POSTGRES_DSN is set; a fresh database each:
// PostgreSQL tests need their own schema, see adapter/store).
func stores(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := store.Open(context.Background(), postgresDSN(t), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(t, st)
	})
}

func record(t *testing.T, st *store.Store) {
	t.Helper()
	for _, p := range patients {
		if err := st.RecordEvaluation(context.Background(), "t1", p.id, result(),
			store.Record{Patient: store.PatientInfo{DisplayName: p.name, MRN: p.mrn}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCSVHasTheIssuesColumnsAndOneRowPerLine(t *testing.T) {
	stores(t, func(t *testing.T, st *store.Store) {
		record(t, st)
		fees := map[string]string{"99454": "43.02", "99457": "47.87"}
		ex := &billing.Exporter{Store: st, Tenant: "t1", BillingOrganization: "Organization/clinic, \"north\"",
			Amounts: func(code string, units int, dos rules.Date) (string, bool) {
				if dos != date("2026-10-02") && dos != date("2026-10-31") {
					t.Errorf("amount asked for DOS %s", dos)
				}
				a, ok := fees[code]
				return a, ok
			}}
		res, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "csv", RequestedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if res.MediaType != "text/csv; charset=utf-8" {
			t.Errorf("media type %q", res.MediaType)
		}
		rows, err := csv.NewReader(bytes.NewReader(res.Content)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rows[0], ","); got != "batch,line,action,patient,mrn,dos,cpt,units,window_start,window_end,rule_set,billing_organization,measure_report,estimated_amount" {
			t.Errorf("header = %s", got)
		}
		if len(rows) != 1+3*len(patients) {
			t.Fatalf("%d rows", len(rows))
		}
		lines, err := st.CodeLines(context.Background(), store.LineFilter{Tenant: "t1"})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]store.CodeLine{}
		for _, l := range lines {
			byID[l.LineID] = l
		}
		mrn := map[string]string{}
		for _, p := range patients {
			mrn[p.id] = p.mrn
		}
		for _, r := range rows[1:] {
			l, ok := byID[r[1]]
			if !ok {
				t.Fatalf("row %v names no line of the store", r)
			}
			want := []string{strconv.FormatInt(res.Batch.ID, 10), l.LineID, "charge", l.PatientID, mrn[l.PatientID], l.DOS.String(),
				l.Code, strconv.Itoa(l.Units), l.WindowStart.String(), l.WindowEnd.String(), "cms-pfs-2026",
				"Organization/clinic, \"north\"", billing.MeasureReportRef(l), fees[l.Code]}
			if strings.Join(r, "\x00") != strings.Join(want, "\x00") {
				t.Errorf("row\n got %q\nwant %q", r, want)
			}
			if l.State != store.StateExported {
				t.Errorf("line %s is %s", l.Code, l.State)
			}
		}
		// Without an amount function the column is there, empty.
		record(t, st)
		if _, err := st.DB().Exec(`UPDATE code_lines SET state = 'withdrawn' WHERE code = '99458'`); err != nil {
			t.Fatal(err)
		}
		ex.Amounts = nil
		res2, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "csv"})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ = csv.NewReader(bytes.NewReader(res2.Content)).ReadAll()
		if len(rows) != 1+len(patients) {
			t.Fatalf("reversal batch: %q", rows)
		}
		for _, r := range rows[1:] {
			if r[2] != "reverse" || r[6] != "99458" || r[7] != "2" || r[13] != "" {
				t.Errorf("reversal row %q", r)
			}
		}
	})
}

func TestHL7BatchIsReadByHAPIAsTheStoresLines(t *testing.T) {
	stores(t, func(t *testing.T, st *store.Store) {
		record(t, st)
		ex := &billing.Exporter{Store: st, Tenant: "t1", HL7: hl7v2.Options{ReceivingApplication: "EPIC", MRNAuthority: "HOSP"}}
		res, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "hl7v2"})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstBatch(t, hl7v2test.Parse(t, res.Content), res.Batch)
		if res.Messages != len(patients) || res.MediaType != "application/hl7-v2; charset=utf-8" {
			t.Errorf("messages %d, media type %q", res.Messages, res.MediaType)
		}
		// An empty batch: the envelope, no message; HAPI reads it too.
		empty, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "hl7v2"})
		if err != nil {
			t.Fatal(err)
		}
		if p := hl7v2test.Parse(t, empty.Content); len(p.Messages) != 0 || p.Batch[3] != "0" {
			t.Errorf("empty batch: %+v", p)
		}
		// Reversals: FT1-6 CD, the charged units.
		if _, err := st.DB().Exec(`UPDATE code_lines SET state = 'withdrawn' WHERE code = '99458'`); err != nil {
			t.Fatal(err)
		}
		rev, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "hl7v2"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rev.Batch.Lines) != len(patients) || rev.Batch.Lines[0].Action != store.ActionReverse || rev.Batch.Lines[0].Units != 2 {
			t.Fatalf("reversal batch: %+v", rev.Batch.Lines)
		}
		checkAgainstBatch(t, hl7v2test.Parse(t, rev.Content), rev.Batch)
	})
}

// checkAgainstBatch compares what HAPI read with the batch's lines.
func checkAgainstBatch(t *testing.T, p hl7v2test.Parsed, b *store.Batch) {
	t.Helper()
	var ft1 []hl7v2test.FT1
	pids := map[string]hl7v2test.Message{}
	for _, m := range p.Messages {
		if m.Type != "DFT^P03^DFT_P03" || m.Version != "2.5.1" || m.PatientClass != "O" || !strings.HasPrefix(m.ControlID, fmt.Sprintf("RPM%d-", b.ID)) {
			t.Errorf("message header as HAPI read it: %+v", m)
		}
		for _, f := range m.FT1 {
			ft1 = append(ft1, f)
			pids[f.TransactionID] = m
		}
	}
	if len(ft1) != len(b.Lines) {
		t.Fatalf("HAPI read %d FT1, the batch has %d lines", len(ft1), len(b.Lines))
	}
	for i, l := range b.Lines {
		typ := "CG"
		if l.Action == store.ActionReverse {
			typ = "CD"
		}
		want := hl7v2test.FT1{TransactionID: l.LineID, Date: strings.ReplaceAll(l.DOS.String(), "-", ""), Type: typ,
			Code: l.Code, CodingSystem: "C4", Quantity: strconv.Itoa(l.Units), ProcedureCode: l.Code, ProcedureSystem: "C4"}
		got := ft1[i]
		got.SetID = ""
		if got != want {
			t.Errorf("FT1 %d\n got %+v\nwant %+v", i, got, want)
		}
		m := pids[l.LineID]
		wantID, wantType, wantName := l.Patient.MRN, "MR", l.Patient.DisplayName
		if wantID == "" {
			wantID, wantType = l.PatientID, "PI"
		}
		if wantName == "" {
			wantName = l.PatientID
		}
		if m.PatientID != wantID || m.IDType != wantType || m.Family != wantName {
			t.Errorf("PID of line %d: %q %q %q, want %q %q %q", i, m.PatientID, m.IDType, m.Family, wantID, wantType, wantName)
		}
	}
	if len(p.Batch) != 5 || p.Batch[0] != strconv.Itoa(len(p.Messages)) || p.Batch[3] != p.Batch[0] || p.Batch[4] != "1" {
		t.Errorf("batch envelope: %v", p.Batch)
	}
}

// mllpReceiver answers AA to the first ok messages, then code ("" for
// silence).
func mllpReceiver(t *testing.T, ok int, code string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for i := 0; ; i++ {
			br.ReadBytes(0x0b)
			body, err := br.ReadBytes(0x1c)
			if err != nil {
				return
			}
			br.ReadByte()
			ctl := strings.Split(strings.SplitN(string(body), "\r", 2)[0], "|")[9]
			c := "AA"
			if i >= ok {
				c = code
			}
			if c == "" {
				time.Sleep(3 * time.Second)
				return
			}
			fmt.Fprintf(conn, "\x0bMSH|^~\\&|EPIC||rpm-adapter||20261102||ACK|A%d|P|2.5.1\rMSA|%s|%s|refused\r\x1c\r", i, c, ctl)
		}
	}()
	return ln.Addr().String()
}

func TestMLLPRefusalLeavesTheUnsentLinesUnexported(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   int
		code string
	}{{"AE after one", 1, "AE"}, {"AR at once", 0, "AR"}, {"no answer", 0, ""}, {"all accepted", 3, "AE"}} {
		t.Run(c.name, func(t *testing.T) {
			stores(t, func(t *testing.T, st *store.Store) {
				record(t, st)
				ex := &billing.Exporter{Store: st, Tenant: "t1", MLLPTimeout: 500 * time.Millisecond}
				addr := mllpReceiver(t, c.ok, c.code)
				res, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "hl7v2", MLLP: addr})
				sent := min(c.ok, len(patients))
				if sent == len(patients) {
					if err != nil {
						t.Fatal(err)
					}
				} else {
					if err == nil {
						t.Fatal("no error")
					}
					var rej *hl7v2.RejectedError
					if c.code == "" && !errors.Is(err, hl7v2.ErrNoAck) || c.code != "" && !errors.As(err, &rej) {
						t.Errorf("error %v", err)
					}
					if !strings.Contains(err.Error(), fmt.Sprintf("%d of %d messages accepted", sent, len(patients))) {
						t.Errorf("error %q does not say what was accepted", err)
					}
				}
				lines, _ := st.CodeLines(context.Background(), store.LineFilter{Tenant: "t1", States: []store.State{store.StateExported}})
				if len(lines) != 3*sent || len(res.Batch.Lines) != 3*sent || res.Messages != sent {
					t.Errorf("%d lines exported, %d in the batch, %d messages; want %d, %d, %d", len(lines), len(res.Batch.Lines), res.Messages, 3*sent, 3*sent, sent)
				}
				again, err := ex.Rebuild(context.Background(), res.Batch.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again.Content, res.Content) || len(again.Batch.Lines) != 3*sent {
					t.Errorf("the stored batch is not what was delivered")
				}
				// The next export (to a file) carries the rest.
				next, err := ex.Export(context.Background(), billing.Request{Month: "2026-10", Format: "hl7v2"})
				if err != nil {
					t.Fatal(err)
				}
				if len(next.Batch.Lines) != 3*(len(patients)-sent) {
					t.Errorf("next batch has %d lines, want %d", len(next.Batch.Lines), 3*(len(patients)-sent))
				}
			})
		})
	}
}

// postgresDSN gives the test a schema of its own on RPM_TEST_POSTGRES_DSN
// (skipped without it, failed under CI=true).
func postgresDSN(t *testing.T) string {
	base := os.Getenv("RPM_TEST_POSTGRES_DSN")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RPM_TEST_POSTGRES_DSN is not set under CI=true")
		}
		t.Skip("RPM_TEST_POSTGRES_DSN is not set (testdata/postgres/start.sh starts a server)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rpm_bill_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
