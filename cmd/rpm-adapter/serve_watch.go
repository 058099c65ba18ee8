package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirserver"
	"github.com/rpm-adapter/rpm-adapter/adapter/jobs"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/adapter/watch"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// watchFlags are serve's flags that keep results current (issue 13,
// fhir-mapping.md §8). Each is also RPM_<FLAG>.
type watchFlags struct {
	groups    stringList
	interval  time.Duration
	debounce  time.Duration
	overlap   time.Duration
	write     bool
	subscribe bool
	criteria  repeated
	secret    string
}

// repeated is a repeatable flag kept whole: a search criteria may hold
// commas (an OR list).
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, " ") }

func (r *repeated) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*r = append(*r, v)
	}
	return nil
}

func (f *watchFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.groups, "watch-group", "watch this Group (repeatable): re-evaluate a member, as of today, when its data changes")
	fs.DurationVar(&f.interval, "watch-interval", 5*time.Minute, "with --watch-group: how often to search for changed resources (_lastUpdated)")
	fs.DurationVar(&f.debounce, "debounce", jobs.DefaultWatchDebounce, "with --watch-group: the changes to one patient within this make one evaluation")
	fs.DurationVar(&f.overlap, "watch-overlap", watch.DefaultOverlap, "with --watch-group: each search starts this much before its cursor (clock skew)")
	fs.BoolVar(&f.write, "write", false, "with --watch-group: write the re-evaluations back to the FHIR server")
	fs.BoolVar(&f.subscribe, "subscribe", false, "with --watch-group: register rest-hook Subscriptions on the FHIR server (needs --public-url and a secret)")
	fs.Var(&f.criteria, "subscription-criteria", "with --subscribe: a Subscription criteria, kept whole (repeatable; default Observation?category=vital-signs and Communication?status=completed)")
	fs.StringVar(&f.secret, "subscription-secret", "", "with --subscribe: the secret the FHIR server sends back in "+api.WatchSecretHeader+" (prefer RPM_SUBSCRIPTION_SECRET; at least 16 characters)")
}

func (f *watchFlags) check(c *commonFlags, sec *serveSecurity) error {
	if len(f.groups) == 0 {
		if f.subscribe || f.write || len(f.criteria) > 0 {
			return usagef("--subscribe, --write and --subscription-criteria are for --watch-group")
		}
		return nil
	}
	switch {
	case c.fhirBase == "":
		return usagef("--watch-group needs --fhir-base")
	case f.interval < time.Second:
		return usagef("--watch-interval must be at least 1s")
	case f.debounce < time.Second:
		return usagef("--debounce must be at least 1s")
	case f.subscribe && sec.publicURL == "":
		return usagef("--subscribe needs --public-url: the FHIR server sends its notifications there")
	case f.subscribe && len(f.secret) < 16:
		return usagef("--subscribe needs --subscription-secret (RPM_SUBSCRIPTION_SECRET) of at least 16 characters")
	}
	return nil
}

// jobOptions are the queue's watch options: no poll cycle without a group.
func (f *watchFlags) jobOptions() jobs.WatchOptions {
	if len(f.groups) == 0 {
		return jobs.WatchOptions{}
	}
	return jobs.WatchOptions{Interval: f.interval, Debounce: f.debounce}
}

// wire builds the watcher, gives the queue its work and the API its
// notification endpoint, and registers the Subscriptions in the
// background (a failure is logged and shown in the watch state; the poller
// works without them).
func (f *watchFlags) wire(ctx context.Context, cfg *api.Config, c *commonFlags, svc *adapter.Service, st *store.Store,
	q *jobs.Queue, m *api.Metrics, logger *slog.Logger) error {
	if len(f.groups) == 0 {
		return nil
	}
	src, ok := svc.Source.(*fhirserver.Source)
	if !ok {
		return usagef("--watch-group needs --fhir-base")
	}
	w, err := watch.New(watch.Config{Tenant: c.tenant, Groups: f.groups, Types: watch.TypesFor(c.evaluator().PayerInputsFor()),
		Overlap: f.overlap, Write: f.write, Location: cfg.Location, Interval: f.interval,
		TagSystem: fhirmap.Canonical(c.canonical, fhirmap.PathGeneratedTagSys),
		Client:    src.Client, Store: st, Service: svc, Queue: q, Registry: m.Registry(), Logger: logger})
	if err != nil {
		return usagef("%v", err)
	}
	q.SetWatchWork(w)
	cfg.Watch = w
	if f.subscribe {
		cfg.WatchSecret = f.secret
		go func() {
			if err := w.Subscribe(ctx, cfg.PublicURL, f.secret, f.criteria); err != nil {
				logger.Warn("watch subscriptions not registered; polling only", "error", err.Error())
			}
		}()
	}
	logger.Info("watching", "groups", len(f.groups), "interval", f.interval.String(), "debounce", f.debounce.String(),
		"write", f.write, "subscribe", f.subscribe)
	return nil
}
