package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// runEnv is what a command runs with: a source, a sink, an evaluator.
type runEnv struct {
	source    adapter.Source
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
	reader, err := fhirmap.NewReader(fhirmap.Options{Canonical: c.canonical})
	if err != nil {
		return nil, usagef("%v", err)
	}
	wopts := fhirmap.WriteOptions{Canonical: c.canonical, Tenant: c.tenant, BillingOrganization: c.organization}
	if c.fhir.conditionalUpdate {
		wopts.Mode = fhirmap.ConditionalPut
	}
	writer, err := fhirmap.NewWriter(wopts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	env.evaluator.Writer = writer

	var sinks multiSink
	if c.fhirBase != "" {
		client, err := c.fhir.client(c.fhirBase, logger, nil)
		if err != nil {
			return nil, err
		}
		if env.source, err = adapter.NewFHIRSource(client, reader, c.policy); err != nil {
			return nil, err
		}
		if write {
			s, err := adapter.NewFHIRSink(client, writer)
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
		src, err := adapter.LoadNDJSON(ctx, fsys, reader)
		if err != nil {
			return nil, usagef("reading the export: %v", err)
		}
		env.source = src
		if c.out == "" {
			c.out = "rpm-out"
		}
	}
	if c.out != "" {
		s, err := adapter.NewNDJSONSink(c.out)
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
