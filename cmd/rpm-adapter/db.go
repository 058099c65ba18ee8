package main

import (
	"context"
	"flag"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// dbFlags are --db (RPM_DB), the store every evaluation is recorded in (a
// SQLite file path or a postgres:// URL), and --no-names (RPM_NO_NAMES).
type dbFlags struct {
	dsn     string
	noNames bool
}

func registerDB(fs *flag.FlagSet) *dbFlags {
	var f dbFlags
	fs.StringVar(&f.dsn, "db", "", "record every evaluation in this store: a SQLite file path or a postgres:// URL (default: no store)")
	fs.BoolVar(&f.noNames, "no-names", false, "with --db: keep ids only, never a patient's name or MRN")
	return &f
}

// useStore opens the store named by --db (nothing without it) and puts it
// in front of the run's sinks, so every evaluation is recorded whatever else
// is written. writeBack says the sinks include the FHIR server (--write).
func (e *runEnv) useStore(ctx context.Context, f *dbFlags, tenant string, writeBack bool) error {
	if f.dsn == "" {
		if f.noNames {
			return usagef("--no-names is for --db")
		}
		return nil
	}
	st, err := store.Open(ctx, f.dsn, store.Options{Logger: e.logger, NoNames: f.noNames})
	if err != nil {
		// Open's errors name no part of a URL (the password) or patient data.
		return usagef("--db: %v", err)
	}
	e.closers = append(e.closers, st.Close)
	sink, err := store.NewSink(st, tenant, e.sink, writeBack)
	if err != nil {
		return err
	}
	e.sink = sink
	return nil
}
