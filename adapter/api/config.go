package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

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
)

// Config configures the API. The zero value is usable: no tokens (see
// CheckBind), defaults for every limit.
type Config struct {
	// Tokens are bearer tokens that may evaluate and write back; each must
	// be at least MinTokenLength characters. With no token at all the API is
	// open, and CheckBind keeps it on loopback.
	Tokens []string
	// ReadOnlyTokens may evaluate but not ask for write=true (403).
	ReadOnlyTokens []string

	// PublicURL is the externally visible base (scheme://host[:port][/prefix])
	// used in Content-Location of async jobs; "" uses the request's Host.
	PublicURL string
	// Canonical is the product's canonical base; "" means
	// fhirmap.DefaultCanonical.
	Canonical string
	// Version is the software version shown in the CapabilityStatement.
	Version string

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

	// Limits of the http.Server made by NewHTTPServer.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
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
	for _, t := range append(append([]string{}, cfg.Tokens...), cfg.ReadOnlyTokens...) {
		if len(t) < MinTokenLength {
			errs = append(errs, fmt.Errorf("api: a token is shorter than %d characters", MinTokenLength))
			break
		}
	}
	if cfg.MaxBodyBytes < 0 || cfg.RequestTimeout < 0 || cfg.PatientTimeout < 0 || cfg.JobTTL < 0 ||
		cfg.JobTimeout < 0 || cfg.GroupConcurrency < 0 || cfg.SyncGroupLimit < 0 ||
		cfg.GroupBundleLimit < 0 || cfg.MaxJobs < 0 || cfg.MaxRetainedJobs < 0 {
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
	return cfg, errors.Join(errs...)
}
