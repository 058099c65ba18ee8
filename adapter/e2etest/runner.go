package e2etest

import (
	"context"
	"io/fs"
	"log/slog"
	"path"
	"sync"
	"testing"
	"time"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirserver"
	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// RunConfig configures a library run against the server (or a proxy).
type RunConfig struct {
	// Base is the FHIR base the adapter talks to.
	Base string
	// Now is the run's clock (Evaluator.Now and fhirserver.Sink.Now).
	Now time.Time
	// PageSize is the _count of the adapter's searches; 0 is 200 (the CLI's
	// default).
	PageSize int
	// Concurrency is Runner.Concurrency; 0 is 4.
	Concurrency int
	// Timeout bounds one request attempt; 0 is the client's default.
	Timeout time.Duration
	// Logger receives the client's and runner's records; nil discards.
	Logger *slog.Logger
}

// NewRunner wires a Runner as the CLI does for --fhir-base --write: a
// fhirserver.Source and a fhirserver.Sink on one fhirclient, and an Evaluator with the
// default policy and the example payer profiles the sample's oracle assumes
// (so the source searches Coverage, Condition and Consent), with the clock
// of cfg. Retry waits are short so that the
// fault tests stay fast; Retry-After is still honoured.
func NewRunner(t testing.TB, cfg RunConfig) *adapter.Runner {
	t.Helper()
	if cfg.PageSize == 0 {
		cfg.PageSize = 200
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4
	}
	client, err := fhirclient.New(fhirclient.Config{BaseURL: cfg.Base, PageSize: cfg.PageSize,
		RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 500 * time.Millisecond, Timeout: cfg.Timeout,
		Logger: cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writer, err := fhirmap.NewWriter(fhirmap.WriteOptions{Tenant: "default"})
	if err != nil {
		t.Fatal(err)
	}
	policy := rules.DefaultPolicy()
	src, err := fhirserver.NewSource(client, reader, policy)
	if err != nil {
		t.Fatal(err)
	}
	profiles := ExampleProfiles(t)
	sink, err := fhirserver.NewSink(client, writer)
	if err != nil {
		t.Fatal(err)
	}
	now := cfg.Now
	clock := func() time.Time { return now }
	sink.Now = clock
	ev := &adapter.Evaluator{Policy: policy, Profiles: profiles, Writer: writer, Now: clock}
	src.Payer = ev.PayerInputsFor()
	return &adapter.Runner{Source: src, Sink: &Recorder{Sink: sink}, Evaluator: ev,
		Concurrency: cfg.Concurrency, Logger: cfg.Logger}
}

// Recorder is a Sink that keeps every outcome it passes on (the Runner's
// rows may drop the written resources to save memory).
type Recorder struct {
	Sink adapter.Sink

	mu   sync.Mutex
	outs map[string]*adapter.Outcome
}

// Write passes the outcome on and records it.
func (r *Recorder) Write(ctx context.Context, out *adapter.Outcome) error {
	err := r.Sink.Write(ctx, out)
	cp := *out
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outs == nil {
		r.outs = map[string]*adapter.Outcome{}
	}
	r.outs[out.PatientID] = &cp
	return err
}

// Outcome returns the last outcome written for a patient, nil if none.
func (r *Recorder) Outcome(patientID string) *adapter.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outs[patientID]
}

// Recorded returns the Recorder of a runner made by NewRunner.
func Recorded(t testing.TB, r *adapter.Runner) *Recorder {
	t.Helper()
	rec, ok := r.Sink.(*Recorder)
	if !ok {
		t.Fatal("the runner was not made by e2etest.NewRunner")
	}
	return rec
}

// NoonUTC is noon UTC of a YYYY-MM-DD date: that date in every zone of the
// sample, the clock sample_test.go uses for a case's as_of.
func NoonUTC(t testing.TB, date string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(12 * time.Hour)
}

// RunMonth evaluates ids for a month (YYYY-MM) and fails the test if the
// run could not start or any patient failed.
func RunMonth(t testing.TB, r *adapter.Runner, month string, ids []string) *adapter.Summary {
	t.Helper()
	sum := RunMonthAllowFailures(t, r, month, ids)
	for _, row := range sum.Rows {
		if row.Err != nil {
			t.Errorf("patient %s failed: %v", row.PatientID, row.Err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return sum
}

// RunMonthAllowFailures is RunMonth that leaves the rows to the caller.
func RunMonthAllowFailures(t testing.TB, r *adapter.Runner, month string, ids []string) *adapter.Summary {
	t.Helper()
	job, err := adapter.ParseJob(month, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := r.Run(ctx, ids, job)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// ExampleProfiles parses the embedded payer profiles that the sample's
// oracle names (generate.Oracle().Profiles, R-PAY-1).
func ExampleProfiles(t testing.TB) []rules.Profile {
	t.Helper()
	fsys, err := rpmadapter.ExamplePayerProfiles()
	if err != nil {
		t.Fatal(err)
	}
	names := generate.Oracle().Profiles
	if len(names) == 0 {
		t.Fatal("the oracle names no payer profiles")
	}
	var out []rules.Profile
	for _, n := range names {
		data, err := fs.ReadFile(fsys, path.Base(n))
		if err != nil {
			t.Fatalf("%s is not among the embedded example profiles: %v", n, err)
		}
		p, err := rules.ParseProfile(data)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, p)
	}
	return out
}
