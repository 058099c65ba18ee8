package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/adapter/ui"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// uiFlags are the worklist page's flags of serve (issue 14).
type uiFlags struct {
	requireApproval bool
	feeSchedule     string
	testNow         string
	seedSample      bool
}

func registerUI(fs *flag.FlagSet) *uiFlags {
	var f uiFlags
	fs.BoolVar(&f.requireApproval, "require-approval", false, "billing export carries only lines a provider approved on the worklist (stored in the store's settings)")
	fs.StringVar(&f.feeSchedule, "fee-schedule", "", "CSV code,amount pricing the worklist's estimate (default: the embedded CY2026 national non-facility amounts)")
	fs.BoolVar(&f.seedSample, "seed-sample", true, "with the embedded sample: evaluate its group at start for every month with data and no results in the store (the worklist is filled)")
	fs.StringVar(&f.testNow, "test-now", "", "for tests: the clock of evaluations and pages, an RFC 3339 instant (default: the real clock)")
	return &f
}

// clock is --test-now's clock, nil for the real one.
func (f *uiFlags) clock() (func() time.Time, error) {
	if f.testNow == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, f.testNow)
	if err != nil {
		return nil, usagef("--test-now %q is not an RFC 3339 instant", f.testNow)
	}
	return func() time.Time { return t }, nil
}

// setupUI mounts the worklist page on the API, stores the approval policy,
// and, when serve reads the embedded sample, evaluates the sample's group
// for every month its data covers that the store has no results for.
func setupUI(ctx context.Context, f *uiFlags, cfg *api.Config, st *store.Store, svc *adapter.Service, c *commonFlags,
	secure bool, logger *slog.Logger) error {
	now, err := f.clock()
	if err != nil {
		return err
	}
	if now != nil {
		svc.Evaluator.Now, cfg.Now = now, now
	}
	table, err := loadFeeTable(f.feeSchedule)
	if err != nil {
		return err
	}
	if err := st.SetRequireApproval(ctx, f.requireApproval); err != nil {
		return err
	}
	if f.seedSample && c.source == "" && c.fhirBase == "" {
		if err := seedSample(ctx, c, st, svc, now, cfg.Location, logger); err != nil {
			return err
		}
	}
	h, err := ui.New(ui.Config{Store: st, Tenant: c.tenant, Tokens: api.NewTokenChecker(cfg.Tokens), Fees: table,
		TLS: secure, Now: now, Location: cfg.Location, RequireApproval: f.requireApproval, Auditor: cfg.Auditor, Logger: logger})
	if err != nil {
		return err
	}
	cfg.UI = h
	return nil
}

// seedSample evaluates the embedded sample's group for each month with
// readings or communications, up to today's, that the store holds no
// results for: a newcomer's /ui/?month=2026-10 is filled.
func seedSample(ctx context.Context, c *commonFlags, st *store.Store, svc *adapter.Service, now func() time.Time,
	loc *time.Location, logger *slog.Logger) error {
	fsys, err := c.exportFS()
	if err != nil {
		return err
	}
	group, months, err := sampleMonths(fsys)
	if err != nil || group == "" {
		return usagef("reading the embedded sample: %v", err)
	}
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.Local
	}
	today := rules.LocalDate(now(), loc)
	var todo []rules.Date
	for _, m := range months {
		if m > today.MonthStart() {
			continue
		}
		has, err := st.HasMonth(ctx, c.tenant, m)
		if err != nil {
			return err
		}
		if !has {
			todo = append(todo, m)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	members, err := svc.GroupMembers(ctx, group)
	if err != nil {
		return err
	}
	began := time.Now()
	failed := 0
	for _, m := range todo {
		job, err := adapter.ParseJob(m.Time().Format("2006-01"), "", "")
		if err != nil {
			return err
		}
		for _, id := range members {
			if _, err := svc.EvaluatePatient(ctx, id, job, false); err != nil {
				failed++ // counted, never named: no patient ids in the log
			}
		}
	}
	logger.Info("evaluated the embedded sample for the worklist", "months", len(todo), "patients", len(members),
		"failed", failed, "duration_ms", time.Since(began).Milliseconds())
	return nil
}

// sampleMonths reads the export's group id and the months (first days) of
// its readings and communications, as written (the local offset kept).
func sampleMonths(fsys fs.FS) (string, []rules.Date, error) {
	var group string
	seen := map[rules.Date]bool{}
	for _, name := range []string{"Group.ndjson", "Observation.ndjson", "Communication.ndjson"} {
		fh, err := fsys.Open(name)
		if err != nil {
			return "", nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
		for sc.Scan() {
			var r struct {
				ID                string `json:"id"`
				EffectiveDateTime string `json:"effectiveDateTime"`
				EffectiveInstant  string `json:"effectiveInstant"`
				Sent              string `json:"sent"`
			}
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			if name == "Group.ndjson" {
				if group == "" {
					group = r.ID
				}
				continue
			}
			for _, v := range []string{r.EffectiveDateTime, r.EffectiveInstant, r.Sent} {
				if t, err := time.Parse("2006-01", v[:min(len(v), 7)]); err == nil && t.Year() >= 2021 {
					seen[rules.DateOf(t.Year(), t.Month(), 1)] = true
				}
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return "", nil, err
		}
	}
	months := make([]rules.Date, 0, len(seen))
	for m := range seen {
		months = append(months, m)
	}
	slices.Sort(months)
	return group, months, nil
}
