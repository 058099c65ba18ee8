package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/bulk"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirserver"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// runEnv is what a command runs with: a source, a sink, an evaluator.
type runEnv struct {
	source adapter.Source
	// members, when set, names the population (the FHIR server's Group)
	// while source holds the data (a bulk export).
	members   adapter.Source
	sink      adapter.Sink
	evaluator *adapter.Evaluator
	logger    *slog.Logger
	outDir    string
	closers   []func() error
}

func (e *runEnv) close() error {
	var errs []error
	for _, c := range e.closers {
		errs = append(errs, c())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// build wires the constructors from the flags: the FHIR server or the NDJSON
// folder (or the embedded sample) as source; the FHIR server (--write) and/or
// an NDJSON folder as sinks.
func (c *commonFlags) build(ctx context.Context, write bool, stderr io.Writer) (*runEnv, error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	env := &runEnv{logger: logger, evaluator: c.evaluator()}
	reader, writer, err := c.mappers()
	if err != nil {
		return nil, err
	}
	env.evaluator.Writer = writer

	var sinks multiSink
	if c.fhirBase != "" {
		client, err := c.fhir.client(c.fhirBase, logger, nil)
		if err != nil {
			return nil, err
		}
		src, err := fhirserver.NewSource(client, reader, c.policy)
		if err != nil {
			return nil, err
		}
		src.Payer = c.evaluator().PayerInputsFor() // fhir-mapping §1: only what the profiles need
		env.source = src
		if c.bulk {
			if err := c.bulkSource(ctx, env, client, reader); err != nil {
				return nil, err
			}
		}
		if write {
			s, err := fhirserver.NewSink(client, writer)
			if err != nil {
				return nil, err
			}
			sinks = append(sinks, s)
		}
	} else {
		fsys, err := c.exportFS()
		if err != nil {
			return nil, err
		}
		src, err := ndjson.Load(ctx, fsys, reader)
		if err != nil {
			return nil, usagef("reading the export: %v", err)
		}
		env.source = src
		if c.out == "" {
			c.out = "rpm-out"
		}
	}
	if c.out != "" {
		s, err := ndjson.NewSink(c.out)
		if err != nil {
			return nil, usagef("%v", err)
		}
		env.outDir = c.out
		env.closers = append(env.closers, s.Close)
		sinks = append(sinks, s)
	}
	switch len(sinks) {
	case 0:
	case 1:
		env.sink = sinks[0]
	default:
		env.sink = sinks
	}
	return env, nil
}

// writeOrphans writes the issues of an NDJSON export that belong to no
// patient (malformed lines, resources about patients the export lacks,
// resource types the adapter does not read) as one OperationOutcome, so
// nothing is skipped silently. It returns how many issues there were.
func (e *runEnv) writeOrphans(ctx context.Context, job adapter.Job) (int, error) {
	src, ok := e.source.(*ndjson.Source)
	if !ok || len(src.Orphans) == 0 || e.sink == nil || e.evaluator.Writer == nil {
		return 0, nil
	}
	js, err := e.evaluator.Writer.ExportOutcome(job.String(), src.Orphans)
	if err != nil {
		return 0, err
	}
	return len(src.Orphans), e.sink.Write(ctx, &adapter.Outcome{OperationOutcome: js})
}

// mappers builds the FHIR reader and writer from the flags.
func (c *commonFlags) mappers() (*fhirmap.Reader, *fhirmap.Writer, error) {
	reader, err := fhirmap.NewReader(fhirmap.Options{Canonical: c.canonical})
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	wopts := fhirmap.WriteOptions{Canonical: c.canonical, Tenant: c.tenant, BillingOrganization: c.organization}
	if c.fhir.conditionalUpdate {
		wopts.Mode = fhirmap.ConditionalPut
	}
	c.strictWrite.apply(&wopts)
	writer, err := fhirmap.NewWriter(wopts)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	return reader, writer, nil
}

// bulkSource replaces the per-patient searches by one Group/$export: the
// export's NDJSON files become the source, the Group read from the server
// still names the patients (so a member the export lacks is reported).
func (c *commonFlags) bulkSource(ctx context.Context, env *runEnv, client *fhirclient.Client, reader *fhirmap.Reader) error {
	req := bulk.ExportRequest{Group: c.group,
		Types: []string{"Patient", "Observation", "Communication", "Encounter", "EpisodeOfCare", "ChargeItem"}}
	if c.since != "" {
		t, err := time.Parse(time.RFC3339, c.since)
		if err != nil {
			return usagef("--since %q is not an RFC 3339 instant", c.since)
		}
		req.Since = t
	}
	tmp, err := os.MkdirTemp("", "rpm-bulk-")
	if err != nil {
		return err
	}
	env.closers = append(env.closers, func() error { return os.RemoveAll(tmp) })
	dir := filepath.Join(tmp, "export")
	m, err := bulk.Export(ctx, client, req, dir, bulk.Options{PollMax: c.bulkPollMax, Logger: env.logger,
		FileOrigins: c.bulkFileOrigins})
	if err != nil {
		return fmt.Errorf("bulk export: %w", err)
	}
	if m.Cleanup != nil {
		env.logger.Warn("bulk export job not deleted", "err", m.Cleanup)
	}
	src, err := ndjson.Load(ctx, os.DirFS(dir), reader)
	if err != nil {
		return fmt.Errorf("reading the bulk export: %w", err)
	}
	env.members = env.source
	env.source = src
	return nil
}

// multiSink writes to each sink in turn.
type multiSink []adapter.Sink

func (m multiSink) Write(ctx context.Context, out *adapter.Outcome) error {
	for _, s := range m {
		if err := s.Write(ctx, out); err != nil {
			return err
		}
	}
	return nil
}
