package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirserver"
	"github.com/rpm-adapter/rpm-adapter/adapter/jobs"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
)

// runServe runs the FHIR-shaped eligibility API until ctx ends (SIGTERM or
// SIGINT), then lets running requests finish.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("serve", stderr)
	var c commonFlags
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	var sec serveSecurity
	sec.register(fs)
	var wf watchFlags
	wf.register(fs)
	db := registerServeDB(fs)
	uif := registerUI(fs)
	jobTimeout := fs.Duration("job-timeout", jobs.DefaultJobTimeout, "River's timeout of one async job member (one patient)")
	rescueAfter := fs.Duration("job-rescue-after", jobs.DefaultRescueAfter, "a job member still running this long (its replica died) is evaluated again; must exceed --job-timeout")
	zone := fs.String("service-timezone", "", "zone of 'today' when a request names no month or date, and of --schedule-at (default: local)")
	sched := registerSchedule(fs)
	bill := registerServeBilling(fs)
	if err := fs.Parse(args); err != nil {
		return usageOrHelp(err)
	}
	if err := applyEnv(fs, getenv); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := c.check(); err != nil {
		return err
	}
	if err := sec.check(); err != nil {
		return err
	}
	if err := wf.check(&c, &sec); err != nil {
		return err
	}
	toks, err := sec.loadTokens()
	if err != nil {
		return err
	}
	if err := api.CheckBind(*addr, len(toks), sec.insecure); err != nil {
		return usagef("%v", err)
	}
	tlsCfg, err := sec.tlsConfig()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	metrics := api.NewMetrics()
	cfg := api.Config{Tokens: toks, PublicURL: sec.publicURL, AllowedHosts: sec.allowedHosts, TLS: tlsCfg != nil,
		MetricsPublic: sec.metricsPublic, MaxInflight: sec.maxInflight, MaxJobMembers: sec.maxJobMembers,
		MaxJobsPerToken: sec.maxJobsPerToken, Canonical: c.canonical, Logger: logger, Metrics: metrics}
	cfg.FHIRBase = c.fhirBase // the base of the answers' fullUrls
	if *zone != "" {
		loc, err := time.LoadLocation(*zone)
		if err != nil {
			return usagef("--service-timezone %q is not an IANA time zone", *zone)
		}
		cfg.Location = loc
	}
	if err := api.CheckConfig(cfg); err != nil {
		return usagef("%v", err)
	}
	schedule, err := sched.schedule(cfg.Location, db)
	if err != nil {
		return err
	}
	audit, err := sec.openAudit()
	if err != nil {
		return err
	}
	if audit != nil {
		defer audit.Close()
	}

	svc, closeSvc, err := c.service(ctx, logger, metrics)
	if err != nil {
		return err
	}
	defer closeSvc()
	st, err := openServeStore(ctx, db, logger, svc, c.tenant, c.fhirBase != "")
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := jobs.New(st, jobs.Options{JobTimeout: *jobTimeout, RescueAfter: *rescueAfter, Logger: logger, Schedule: schedule, Watch: wf.jobOptions()})
	if err != nil {
		return usagef("%v", err)
	}
	cfg.Jobs = q
	if cfg.Billing, err = bill.exporter(st, c.tenant, c.organization, uif.feeSchedule); err != nil {
		return err
	}
	// The store keeps the audit trail; --audit-log keeps it too.
	cfg.Auditor = st
	if audit != nil {
		cfg.Auditor = adapter.Auditors{audit, st}
	}
	if err := setupUI(ctx, uif, &cfg, st, svc, &c, tlsCfg != nil || strings.HasPrefix(sec.publicURL, "https://"), logger); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("listen: %v", err)
	}
	defer ln.Close()
	// The address as bound (port 0 resolved): the base of job links when
	// there is no --public-url, and an allowed Host.
	cfg.ListenAddr = ln.Addr().String()
	if err := wf.wire(ctx, &cfg, &c, svc, st, q, metrics, logger); err != nil {
		return err
	}
	srv, err := api.New(cfg, svc)
	if err != nil {
		return usagef("%v", err)
	}
	hs := api.NewHTTPServer(*addr, srv, cfg)
	scheme := "http"
	if tlsCfg != nil {
		hs.TLSConfig = tlsCfg
		scheme = "https"
	}
	logger.Info("serving", "addr", cfg.ListenAddr, "tls", tlsCfg != nil, "audit_log", sec.auditLog != "", "db", st.Driver())
	sec.logStart(logger, *addr, toks, tlsCfg != nil)
	logSchedule(logger, schedule)
	fmt.Fprintf(stdout, "listening on %s://%s/fhir\n", scheme, ln.Addr())

	errc := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			errc <- hs.ServeTLS(ln, "", "") // the certificate is in hs.TLSConfig
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let running requests finish.
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return err
}

// service builds the adapter.Service behind the API: the FHIR server (reads,
// and writes when asked), or an NDJSON folder or the embedded sample (read
// only; $rpm-eligibility-write writes NDJSON into --out).
func (c *commonFlags) service(ctx context.Context, logger *slog.Logger, m *api.Metrics) (*adapter.Service, func(), error) {
	reader, writer, err := c.mappers()
	if err != nil {
		return nil, nil, err
	}
	ev := c.evaluator()
	ev.Writer = writer
	if c.fhirBase != "" {
		client, err := c.fhir.clientWith(c.fhirBase, logger, m.FHIRRetry, m.InstrumentTransport(http.DefaultTransport))
		if err != nil {
			return nil, nil, err
		}
		src, err := fhirserver.NewSource(client, reader, c.policy)
		if err != nil {
			return nil, nil, err
		}
		src.Payer = c.evaluator().PayerInputsFor() // fhir-mapping §1: only what the profiles need
		sink, err := fhirserver.NewSink(client, writer)
		if err != nil {
			return nil, nil, err
		}
		svc, err := adapter.NewService(src, ev, sink)
		if err != nil {
			return nil, nil, err
		}
		svc.Ping = func(ctx context.Context) error {
			_, err := client.Do(ctx, &fhirclient.Request{Method: http.MethodGet, URL: "metadata", Idempotent: true})
			return err
		}
		return svc, func() {}, nil
	}
	fsys, err := c.exportFS()
	if err != nil {
		return nil, nil, err
	}
	src, err := ndjson.Load(ctx, fsys, reader)
	if err != nil {
		return nil, nil, usagef("reading the export: %v", err)
	}
	out := c.out
	if out == "" {
		out = "rpm-out"
	}
	sink, err := ndjson.NewSink(out)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	svc, err := adapter.NewService(src, ev, sink)
	if err != nil {
		return nil, nil, err
	}
	logger.Info("serving an NDJSON export read-only", "source", strings.TrimSpace(c.source), "write_folder", out)
	return svc, func() { sink.Close() }, nil
}
