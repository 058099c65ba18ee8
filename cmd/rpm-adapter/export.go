package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/billing"
	"github.com/rpm-adapter/rpm-adapter/adapter/fees"
	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// exportFlags are the billing export's (issue 15), shared with serve's
// $rpm-billing-export where they configure the output.
type exportFlags struct {
	tenant, organization string
	hl7                  hl7v2.Options
	mllpTimeout          time.Duration
	feeSchedule          string
}

func (f *exportFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
}, withTenant bool) {
	if withTenant {
		fs.StringVar(&f.tenant, "tenant", "default", "tenant whose code lines are exported")
		fs.StringVar(&f.organization, "organization", "", "billing organization, the CSV's billing_organization column")
		fs.StringVar(&f.feeSchedule, "fee-schedule", "", "CSV code,amount pricing the CSV's estimated_amount (default: the embedded CY2026 national non-facility amounts)")
	}
	fs.StringVar(&f.hl7.SendingFacility, "hl7-sending-facility", "", "HL7 v2: MSH-4")
	fs.StringVar(&f.hl7.ReceivingApplication, "hl7-receiving-application", "", "HL7 v2: MSH-5")
	fs.StringVar(&f.hl7.ReceivingFacility, "hl7-receiving-facility", "", "HL7 v2: MSH-6")
	fs.StringVar(&f.hl7.ProcessingID, "hl7-processing-id", "P", "HL7 v2: MSH-11 (P production, T training, D debugging)")
	fs.StringVar(&f.hl7.MRNAuthority, "hl7-mrn-authority", "", "HL7 v2: PID-3.4, the assigning authority of the MRNs")
	fs.StringVar(&f.hl7.NameStandIn, "hl7-name-stand-in", "", "HL7 v2: PID-5 when no name is kept (default: the patient id)")
	fs.DurationVar(&f.mllpTimeout, "mllp-timeout", 30*time.Second, "MLLP: how long to wait to connect and for each ACK")
}

func (f *exportFlags) exporter(st *store.Store, tenant, organization, feeSchedule string) (*billing.Exporter, error) {
	table, err := loadFeeTable(feeSchedule)
	if err != nil {
		return nil, err
	}
	return &billing.Exporter{Store: st, Tenant: tenant, HL7: f.hl7, BillingOrganization: organization, MLLPTimeout: f.mllpTimeout,
		Amounts: billing.FeeAmounts(table)}, nil
}

// loadFeeTable is --fee-schedule's table, the embedded one without a file.
func loadFeeTable(path string) (fees.Table, error) {
	if path == "" {
		return fees.Default(), nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return fees.Table{}, usagef("--fee-schedule: %v", err)
	}
	defer fh.Close()
	table, err := fees.Load(fh)
	if err != nil {
		return fees.Table{}, usagef("--fee-schedule: %v", err)
	}
	table.Source = "fee schedule " + path
	return table, nil
}

// runExport makes one billing export batch of the store's code lines, or
// writes an earlier one again (--rebuild).
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("export", stderr)
	var f exportFlags
	f.register(fs, true)
	dsn := fs.String("db", "", "the store: a SQLite file path or a postgres:// URL")
	month := fs.String("month", "", "the month whose dates of service are exported, YYYY-MM")
	format := fs.String("format", "csv", "csv or hl7v2")
	out := fs.String("out", "", "write the batch to this file (created 0600) instead of stdout")
	rebuild := fs.Int64("rebuild", 0, "write batch N again, byte for byte, instead of making a new one")
	mllp := fs.String("mllp", "", "HOST:PORT: send the HL7 v2 messages over MLLP, each waiting for its ACK")
	approval := fs.Bool("require-approval", false, "export only lines a provider signed off (approved)")
	if err := fs.Parse(args); err != nil {
		return usageOrHelp(err)
	}
	if err := applyEnv(fs, getenv); err != nil {
		return usagef("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q", fs.Arg(0))
	case *dsn == "":
		return usagef("--db is required")
	case *rebuild < 0:
		return usagef("--rebuild needs a batch number")
	case *rebuild > 0 && (*month != "" || *mllp != "" || *approval):
		return usagef("--rebuild writes an earlier batch: --month, --mllp and --require-approval are for a new one")
	case *rebuild == 0 && *month == "":
		return usagef("--month is required")
	case *format != store.FormatCSV && *format != store.FormatHL7v2:
		return usagef("--format must be csv or hl7v2")
	case *mllp != "" && *format != store.FormatHL7v2:
		return usagef("--mllp sends --format hl7v2 only")
	}
	if *month != "" {
		if t, err := time.Parse("2006-01", *month); err != nil || t.Format("2006-01") != *month {
			return usagef("--month %q is not YYYY-MM", *month)
		}
	}
	st, err := store.Open(ctx, *dsn, store.Options{})
	if err != nil {
		return usagef("--db: %v", err)
	}
	defer st.Close()
	ex, err := f.exporter(st, f.tenant, f.organization, f.feeSchedule)
	if err != nil {
		return err
	}
	var res *billing.Result
	if *rebuild > 0 {
		if res, err = ex.Rebuild(ctx, *rebuild); errors.Is(err, store.ErrNotFound) {
			return usagef("--rebuild: tenant %q has no batch %d", f.tenant, *rebuild)
		}
	} else {
		res, err = ex.Export(ctx, billing.Request{Month: *month, Format: *format, RequestedBy: "cli",
			RequireApproval: *approval, MLLP: *mllp})
	}
	if res != nil {
		if werr := writeBatch(*out, *mllp != "", res, stdout); werr != nil && err == nil {
			err = werr
		}
		fmt.Fprintln(stderr, summary(res, *rebuild > 0))
	}
	return err
}

// writeBatch writes the batch to --out, else to stdout unless it went over
// MLLP.
func writeBatch(out string, sent bool, res *billing.Result, stdout io.Writer) error {
	if out == "" {
		if sent {
			return nil
		}
		_, err := stdout.Write(res.Content)
		return err
	}
	return writePrivateFile(out, res.Content)
}

// writePrivateFile writes a file that holds names and MRNs: 0600, through a
// temporary file renamed into place, never through a symlink.
func writePrivateFile(path string, b []byte) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("--out %s is a symlink", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rpm-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// summary is the one line on stderr: counts, never patient data.
func summary(res *billing.Result, rebuilt bool) string {
	var charges, reversals int
	for _, l := range res.Batch.Lines {
		if l.Action == store.ActionCharge {
			charges++
		} else {
			reversals++
		}
	}
	verb := "exported"
	if rebuilt {
		verb = "rebuilt"
	}
	s := "batch " + strconv.FormatInt(res.Batch.ID, 10) + " " + verb + ": " + strconv.Itoa(charges) + " charges, " +
		strconv.Itoa(reversals) + " reversals"
	if res.Batch.Format == store.FormatHL7v2 {
		s += ", " + strconv.Itoa(res.Messages) + " messages"
	}
	return s
}
