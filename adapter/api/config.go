package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// Defaults of Config. The timeouts nest: a synchronous evaluation
// (RequestTimeout) ends well before the server stops writing (WriteTimeout).
const (
	DefaultMaxBodyBytes      = 64 << 10 // a Parameters body is a few hundred bytes
	DefaultRequestTimeout    = 60 * time.Second
	DefaultPatientTimeout    = 60 * time.Second
	DefaultGroupConcurrency  = 4
	DefaultSyncGroupLimit    = 20
	DefaultGroupBundleLimit  = 200
	DefaultMaxJobs           = 4
	DefaultMaxRetainedJobs   = 64
	DefaultJobTTL            = time.Hour
	DefaultJobTimeout        = 2 * time.Hour
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
	// DefaultMaxInflight bounds patient evaluations in flight, sync and
	// async together: each is one to five upstream searches, and 150 at once
	// is how the review took a FHIR server down (issue 11, point 7). Four
	// jobs of four members leave half of it to synchronous callers.
	DefaultMaxInflight     = 32
	DefaultMaxJobMembers   = 10000 // the largest cohort one job may evaluate
	DefaultMaxJobsPerToken = 2     // one caller cannot take every job slot
	// DefaultReadyCacheTTL is how long a readiness answer is reused: a
	// probe every second must not become a credentialed upstream call
	// every second.
	DefaultReadyCacheTTL = 5 * time.Second
)

// Config configures the API. The zero value is usable: no tokens (see
// CheckBind), defaults for every limit, and only loopback Host names.
type Config struct {
	// Tokens are the bearer tokens; each secret must be at least
	// MinTokenLength characters. Only RoleWrite may call $rpm-eligibility-write.
	// With no token at all the API is read-only for anyone who reaches it,
	// and CheckBind keeps it on loopback.
	Tokens []Token

	// ListenAddr is the address the server listens on (host:port, as
	// bound). Its host is an allowed Host name, and it is the base of async
	// Content-Location when PublicURL is unset.
	ListenAddr string
	// TLS says the server itself speaks TLS (https in Content-Location).
	TLS bool
	// PublicURL is the externally visible base (scheme://host[:port][/prefix])
	// used in Content-Location of async jobs; its host is an allowed Host.
	PublicURL string
	// AllowedHosts are further names a request's Host may carry (a
	// reverse proxy's name, a DNS alias). Loopback names are always
	// allowed. Anything else is refused with 421, against DNS rebinding.
	AllowedHosts []string
	// MetricsPublic leaves /metrics open when tokens are configured.
	MetricsPublic bool
	// Jobs keeps and runs the async Group jobs durably (adapter/jobs, on
	// River in the store); nil keeps them in memory, lost at a restart.
	// New starts its work, Shutdown stops it.
	Jobs adapter.GroupJobs
	// Watch takes the FHIR server's Subscription notifications at
	// POST|PUT /fhir/_watch/notify (only with WatchSecret in the
	// X-Rpm-Subscription-Secret header) and shows the watch state at
	// GET /fhir/_watch; nil serves neither (watch.go).
	Watch       adapter.WatchNotifier
	WatchSecret string
	// Auditor records who read or wrote which patient; nil records nothing.
	Auditor adapter.Auditor
	// Billing makes billing export batches ($rpm-billing-export, billing.go);
	// nil answers 404.
	Billing BillingExporter
	// UI, when set, serves the worklist page under /ui/ (adapter/ui).
	UI http.Handler
	// Canonical is the product's canonical base; "" means
	// fhirmap.DefaultCanonical.
	Canonical string
	// Version is the software version shown in the CapabilityStatement.
	Version string
	// FHIRBase is the base URL of the FHIR server the results belong to
	// (serve --fhir-base), the base of the answers' Bundle.entry.fullUrl;
	// "" (an NDJSON source) gives urn:uuid fullUrls.
	FHIRBase string

	Logger  *slog.Logger // nil discards
	Metrics *Metrics     // nil: New makes one, reachable with Server.Metrics
	// Now is the clock (bundle timestamps, default as-of date, job expiry).
	Now func() time.Time
	// Location gives "today" when a request names neither month nor date;
	// nil means time.Local.
	Location *time.Location

	MaxBodyBytes     int64         // request body limit (413)
	RequestTimeout   time.Duration // budget of a synchronous evaluation
	PatientTimeout   time.Duration // budget of one member of a Group
	GroupConcurrency int           // members evaluated at once, per request or job
	SyncGroupLimit   int           // larger groups need Prefer: respond-async (422)
	GroupBundleLimit int           // larger async groups get a summary, not every resource
	MaxJobs          int           // async jobs running at once (429 past it)
	MaxRetainedJobs  int           // finished jobs kept; the oldest go first
	JobTTL           time.Duration // how long a finished job's result is kept
	JobTimeout       time.Duration // budget of one async job
	MaxInflight      int           // patient evaluations at once, sync and async (503 past it)
	MaxJobMembers    int           // members one async job may have (422 past it)
	MaxJobsPerToken  int           // async jobs one token label may run at once (429 past it)
	ReadyCacheTTL    time.Duration // how long /readyz reuses an answer

	// Limits of the http.Server made by NewHTTPServer.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// CheckConfig refuses a Config that New would refuse, so that the command
// can say so before it listens or calls anything.
func CheckConfig(cfg Config) error {
	_, err := cfg.withDefaults()
	return err
}

// withDefaults fills in defaults and refuses what cannot work.
func (cfg Config) withDefaults() (Config, error) {
	setDur := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	setInt := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	setDur(&cfg.RequestTimeout, DefaultRequestTimeout)
	setDur(&cfg.PatientTimeout, DefaultPatientTimeout)
	setDur(&cfg.JobTTL, DefaultJobTTL)
	setDur(&cfg.JobTimeout, DefaultJobTimeout)
	setDur(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDur(&cfg.ReadTimeout, DefaultReadTimeout)
	setDur(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDur(&cfg.IdleTimeout, DefaultIdleTimeout)
	setInt(&cfg.GroupConcurrency, DefaultGroupConcurrency)
	setInt(&cfg.SyncGroupLimit, DefaultSyncGroupLimit)
	setInt(&cfg.GroupBundleLimit, DefaultGroupBundleLimit)
	setInt(&cfg.MaxJobs, DefaultMaxJobs)
	setInt(&cfg.MaxRetainedJobs, DefaultMaxRetainedJobs)
	setInt(&cfg.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setInt(&cfg.MaxInflight, DefaultMaxInflight)
	setInt(&cfg.MaxJobMembers, DefaultMaxJobMembers)
	setInt(&cfg.MaxJobsPerToken, DefaultMaxJobsPerToken)
	setDur(&cfg.ReadyCacheTTL, DefaultReadyCacheTTL)
	if cfg.Canonical == "" {
		cfg.Canonical = fhirmap.DefaultCanonical
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}

	var errs []error
	if err := checkTokens(cfg.Tokens); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxBodyBytes < 0 || cfg.RequestTimeout < 0 || cfg.PatientTimeout < 0 || cfg.JobTTL < 0 ||
		cfg.JobTimeout < 0 || cfg.GroupConcurrency < 0 || cfg.SyncGroupLimit < 0 ||
		cfg.GroupBundleLimit < 0 || cfg.MaxJobs < 0 || cfg.MaxRetainedJobs < 0 ||
		cfg.MaxInflight < 0 || cfg.MaxJobMembers < 0 || cfg.MaxJobsPerToken < 0 || cfg.ReadyCacheTTL < 0 {
		errs = append(errs, errors.New("api: limits and timeouts must not be negative"))
	}
	if cfg.SyncGroupLimit > cfg.GroupBundleLimit {
		errs = append(errs, errors.New("api: SyncGroupLimit must not exceed GroupBundleLimit"))
	}
	if cfg.WriteTimeout <= cfg.RequestTimeout {
		errs = append(errs, errors.New("api: WriteTimeout must exceed RequestTimeout, or answers are cut off"))
	}
	if cfg.MaxRetainedJobs < cfg.MaxJobs {
		errs = append(errs, errors.New("api: MaxRetainedJobs must be at least MaxJobs"))
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, errors.New("api: PublicURL must be an absolute http(s) URL without query"))
		}
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	}
	if cfg.FHIRBase != "" {
		u, err := url.Parse(cfg.FHIRBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, errors.New("api: FHIRBase must be an absolute http(s) URL without query or user"))
		}
		cfg.FHIRBase = strings.TrimRight(cfg.FHIRBase, "/")
	}
	if cfg.ListenAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.ListenAddr); err != nil {
			errs = append(errs, errors.New("api: ListenAddr must be host:port"))
		}
	}
	for _, h := range cfg.AllowedHosts {
		if normalHost(h) == "" || strings.ContainsAny(h, "/?#@ ") {
			errs = append(errs, fmt.Errorf("api: allowed host %q is not a host name", h))
		}
	}
	return cfg, errors.Join(errs...)
}
