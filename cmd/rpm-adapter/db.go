package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"

	"github.com/rpm-adapter/rpm-adapter/adapter"

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

// defaultServeDB is where serve keeps its store when --db is not given.
const defaultServeDB = "rpm-adapter.db"

// registerServeDB is --db for serve, which always has a store (jobs and
// the audit trail live in it).
func registerServeDB(fs *flag.FlagSet) *dbFlags {
	var f dbFlags
	fs.StringVar(&f.dsn, "db", defaultServeDB, "the service's store: a SQLite file path or a postgres:// URL (PostgreSQL for several replicas)")
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
	// A run records many patients per transaction, off the evaluating
	// goroutines; closing the sink commits the last batch, before the store
	// closes.
	sink, err := store.NewBatchSink(st, tenant, e.sink, writeBack, store.BatchOptions{})
	if err != nil {
		st.Close()
		return err
	}
	e.closers = append(e.closers, func() error { return errors.Join(sink.Close(), st.Close()) })
	e.sink = sink
	return nil
}

// openServeStore opens serve's store and makes it record every evaluation
// of svc: the outcomes written (in front of svc's sink; writeBack says that
// sink is the FHIR server) and those only read (svc.Record).
func openServeStore(ctx context.Context, f *dbFlags, logger *slog.Logger, svc *adapter.Service, tenant string, writeBack bool) (*store.Store, error) {
	if f.dsn == "" {
		return nil, usagef("--db: serve needs a store (a SQLite file path or a postgres:// URL)")
	}
	st, err := store.Open(ctx, f.dsn, store.Options{Logger: logger, NoNames: f.noNames})
	if err != nil {
		return nil, usagef("--db: %v", err)
	}
	record, err := store.NewSink(st, tenant, nil, false)
	if err != nil {
		st.Close()
		return nil, err
	}
	svc.Record = record
	if svc.Sink != nil {
		sink, err := store.NewSink(st, tenant, svc.Sink, writeBack)
		if err != nil {
			st.Close()
			return nil, err
		}
		svc.Sink = sink
	}
	return st, nil
}
