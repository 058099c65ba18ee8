package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"time"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

var errHelp = flag.ErrHelp

// commonFlags are shared by evaluate and serve.
type commonFlags struct {
	source, fhirBase, out, timezone string
	organization, tenant, canonical string
	concurrency                     int
	// Bulk Data pull (evaluate only).
	bulk        bool
	group       string
	since       string
	bulkPollMax time.Duration
	// bulkFileOrigins may serve bulk output files besides the FHIR base.
	bulkFileOrigins stringList
	policy          rules.Policy
	payer           payerFlags
	fhir            fhirFlags
	strictWrite     strictWriteFlags
	flags           *flag.FlagSet
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.source, "source", "", "folder of Bulk Data NDJSON files to read")
	fs.StringVar(&c.fhirBase, "fhir-base", "", "FHIR server base URL to read from (and write to with --write)")
	fs.StringVar(&c.out, "out", "", "folder for NDJSON results (default ./rpm-out when reading NDJSON)")
	fs.StringVar(&c.timezone, "timezone", "", "IANA time zone for patients that carry none (no default: such patients are not evaluated)")
	fs.StringVar(&c.organization, "organization", "", "billing organization reference, e.g. Organization/clinic-1 (R-PER-4)")
	fs.StringVar(&c.tenant, "tenant", "default", "tenant name mixed into the identifiers of written resources")
	fs.StringVar(&c.canonical, "canonical", "", "canonical base of the product's definitions (default http://rpm-adapter.org/fhir)")
	fs.IntVar(&c.concurrency, "concurrency", 4, "patients evaluated at once")
	c.policy = rules.DefaultPolicy()
	fs.BoolVar(&c.policy.InPersonInteractive, "in-person-interactive", c.policy.InPersonInteractive, "policy: a face-to-face conversation is interactive (R-IC-2)")
	fs.BoolVar(&c.policy.CountPreliminary, "count-preliminary", c.policy.CountPreliminary, "policy: preliminary readings count (R-DAY-1)")
	fs.IntVar(&c.policy.SetupMinDays2026, "setup-min-days-2026", c.policy.SetupMinDays2026, "policy: days for 99453 under cms-pfs-2026 (R-SET-2)")
	fs.IntVar(&c.policy.Max99458Units, "max-99458-units", c.policy.Max99458Units, "policy: cap of 99458 units (R-TM-4)")
	fs.BoolVar(&c.policy.TMRequiresDataInMonth, "tm-requires-data-in-month", c.policy.TMRequiresDataInMonth, "policy: time codes need a reading in the month (R-TM-5)")
	c.payer.register(fs, &c.policy)
	c.fhir.register(fs)
	c.strictWrite.register(fs)
	c.flags = fs
}

func (c *commonFlags) check() error {
	if c.source != "" && c.fhirBase != "" {
		return usagef("give --source or --fhir-base, not both")
	}
	if c.concurrency < 1 || c.concurrency > 256 {
		return usagef("--concurrency must be 1..256")
	}
	if err := c.payer.resolve(c.flags, &c.policy); err != nil {
		return err
	}
	if err := c.policy.Validate(); err != nil {
		return usagef("%v", err)
	}
	if c.timezone != "" {
		if _, err := time.LoadLocation(c.timezone); err != nil {
			return usagef("--timezone %q is not an IANA time zone", c.timezone)
		}
	}
	return nil
}

func (c *commonFlags) evaluator() *adapter.Evaluator {
	e := &adapter.Evaluator{Policy: c.policy, Organization: c.organization,
		DefaultProfile: c.payer.profile, Profiles: c.payer.profiles}
	if c.timezone != "" {
		e.DefaultZone, _ = time.LoadLocation(c.timezone) // checked by check
	}
	return e
}

// exportFS is the NDJSON folder to read: --source, or the embedded sample.
func (c *commonFlags) exportFS() (fs.FS, error) {
	if c.source == "" {
		return rpmadapter.SampleExport()
	}
	st, err := os.Stat(c.source)
	if err != nil || !st.IsDir() {
		return nil, usagef("--source %q is not a folder", c.source)
	}
	return os.DirFS(c.source), nil
}

func runEvaluate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (int, error) {
	fs := newFlagSet("evaluate", stderr)
	var c commonFlags
	c.register(fs)
	var patients stringList
	fs.Var(&patients, "patient", "patient id to evaluate (repeatable, or comma-separated)")
	group := fs.String("group", "", "evaluate the members of this Group")
	month := fs.String("month", "", "calendar month YYYY-MM: the month's time codes and the periods ending in it")
	date := fs.String("date", "", "as-of date YYYY-MM-DD: the windows containing it")
	enrollment := fs.String("enrollment", "", "episode start YYYY-MM-DD overriding EpisodeOfCare (R-PER-2)")
	write := fs.Bool("write", false, "write the results back to the FHIR server (--fhir-base)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	db := registerDB(fs)
	fs.BoolVar(&c.bulk, "bulk", false, "pull the group through FHIR Bulk Data Group/$export instead of per-patient searches")
	fs.StringVar(&c.since, "since", "", "with --bulk: only resources changed since this instant (RFC 3339)")
	fs.DurationVar(&c.bulkPollMax, "bulk-poll-max", 60*time.Second, "with --bulk: longest wait between status polls, whatever Retry-After says")
	fs.Var(&c.bulkFileOrigins, "bulk-file-origin", "with --bulk: an origin (scheme://host[:port]) that may serve output files besides the FHIR base (repeatable, or comma-separated)")
	if err := fs.Parse(args); err != nil {
		return exitUsage, usageOrHelp(err)
	}
	if err := applyEnv(fs, getenv); err != nil {
		return exitUsage, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return exitUsage, usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := c.check(); err != nil {
		return exitUsage, err
	}
	job, err := adapter.ParseJob(*month, *date, *enrollment)
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	if c.bulk && (c.fhirBase == "" || *group == "") {
		return exitUsage, usagef("--bulk needs --fhir-base and --group")
	}
	if c.since != "" && !c.bulk {
		return exitUsage, usagef("--since is for --bulk")
	}
	if len(c.bulkFileOrigins) > 0 && !c.bulk {
		return exitUsage, usagef("--bulk-file-origin is for --bulk")
	}
	for _, o := range c.bulkFileOrigins {
		if !isOrigin(o) {
			return exitUsage, usagef("--bulk-file-origin %q is not scheme://host[:port]", o)
		}
	}
	c.group = *group
	if *write && c.fhirBase == "" {
		return exitUsage, usagef("--write writes to a FHIR server: give --fhir-base (NDJSON results go to --out)")
	}

	env, err := c.build(ctx, *write, stderr)
	if err != nil {
		return exitUsage, err
	}
	defer env.close()
	if err := env.useStore(ctx, db, c.tenant, *write); err != nil {
		return exitUsage, err
	}

	ids := []string(patients)
	if len(ids) == 0 {
		if c.fhirBase != "" && *group == "" {
			return exitUsage, usagef("reading from a FHIR server needs --patient or --group")
		}
		members := env.source
		if env.members != nil {
			members = env.members
		}
		if ids, err = members.Patients(ctx, *group); err != nil {
			if errors.Is(err, adapter.ErrNotFound) {
				return exitUsage, usagef("group %q not found", *group)
			}
			return exitPartial, err
		}
	} else if *group != "" {
		return exitUsage, usagef("give --patient or --group, not both")
	}

	runner := &adapter.Runner{Source: env.source, Sink: env.sink, Evaluator: env.evaluator,
		Concurrency: c.concurrency, Logger: env.logger}
	if !*quiet && len(ids) >= 50 && isTerminal(stderr) {
		runner.Progress = progressBar(stderr)
	}
	sum, err := runner.Run(ctx, ids, job)
	if err != nil {
		return exitPartial, err
	}
	orphans, err := env.writeOrphans(ctx, job)
	if err != nil {
		return exitPartial, fmt.Errorf("writing the export's issues: %w", err)
	}
	if err := env.close(); err != nil {
		return exitPartial, fmt.Errorf("writing results: %w", err)
	}
	if err := sum.WriteTable(stdout); err != nil {
		return exitPartial, err
	}
	if orphans > 0 {
		fmt.Fprintf(stdout, "%d input issues belong to no evaluated patient (see OperationOutcome.ndjson)\n", orphans)
	}
	if env.outDir != "" {
		fmt.Fprintf(stdout, "results written to %s\n", env.outDir)
	}
	if sum.Failed() > 0 {
		return exitPartial, nil
	}
	return exitOK, nil
}

// isOrigin says whether s is an http(s) origin with nothing after it.
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery
}

func usageOrHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	return usagef("%v", err)
}
