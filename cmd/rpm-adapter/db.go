package main

import (
	"context"
	"flag"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// registerDB adds --db (RPM_DB): the store every evaluation is recorded in,
// a SQLite file path or a postgres:// URL.
func registerDB(fs *flag.FlagSet) *string {
	return fs.String("db", "", "record every evaluation in this store: a SQLite file path or a postgres:// URL (default: no store)")
}

// useStore opens the store named by dsn (nothing when "") and puts it in
// front of the run's sinks, so every evaluation is recorded whatever else
// is written. writeBack says the sinks include the FHIR server (--write).
func (e *runEnv) useStore(ctx context.Context, dsn, tenant string, writeBack bool) error {
	if dsn == "" {
		return nil
	}
	st, err := store.Open(ctx, dsn, store.Options{Logger: e.logger})
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
