package fhirclient

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Defaults applied by New to zero-valued Config fields. They suit a
// production FHIR server; tests shrink the waits to milliseconds.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 4
	DefaultRetryWaitMin  = 1 * time.Second
	DefaultRetryWaitMax  = 30 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
	DefaultPageLimit     = 1000
	DefaultUserAgent     = "rpm-adapter"

	// DefaultMaxResponseBytes bounds one response body after decompression:
	// far above a search page of 500 resources or a transaction response,
	// far below what would hurt a process that holds several at once.
	DefaultMaxResponseBytes = 32 << 20
)

// Config configures a Client. Only BaseURL is required.
type Config struct {
	// BaseURL is the FHIR service base, e.g. https://fhir.example.org/r4.
	// Credentials are only ever sent to its scheme, host and port.
	BaseURL string

	// Auth supplies bearer tokens; nil sends no Authorization header.
	// See StaticToken and NewSMARTAuth.
	Auth Auth

	// Timeout bounds one attempt (connect, headers and body); retries get a
	// fresh one. The caller's context bounds the call as a whole.
	Timeout time.Duration

	// MaxRetries is the number of retries after the first attempt:
	// 0 means DefaultMaxRetries, a negative value disables retries.
	MaxRetries int

	// RetryWaitMin and RetryWaitMax bound the exponential backoff used when
	// the server gives no Retry-After.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// MaxRetryAfter caps how long a Retry-After header may make a call wait,
	// so a misbehaving server cannot park a population run for hours.
	MaxRetryAfter time.Duration

	// PageLimit is the most pages one Search follows; past it the Search
	// fails rather than loop forever on a server that pages without end.
	PageLimit int

	// MaxResponseBytes is the most one response may hold once decompressed,
	// checked while it is read (a gzip bomb stops there, an ErrProtocol
	// error naming the limit); 0 means DefaultMaxResponseBytes. Download
	// applies it to every file unless its request sets MaxBytes.
	MaxResponseBytes int64

	// PageSize, when set, is sent as _count on searches whose parameters do
	// not already carry one.
	PageSize int

	// TransactionPrefer, when set, is sent as the Prefer header of
	// Transaction, e.g. "return=minimal".
	TransactionPrefer string

	// HTTPClient overrides the underlying client (tests, custom TLS). The
	// Client copies it and sets its own Timeout and redirect policy.
	HTTPClient *http.Client

	// Logger receives one record per attempt; nil discards.
	Logger *slog.Logger

	// UserAgent is sent on every request.
	UserAgent string

	// OnRetry, when set, is called before every retry, e.g. to count retries
	// in metrics. It must not block.
	OnRetry func(RetryEvent)

	// Now is the clock used for HTTP-date Retry-After values; nil means
	// time.Now. Tests inject a fixed clock.
	Now func() time.Time
}

// RetryEvent describes a retry about to happen. It carries no URL, query or
// body, so it is safe to log or turn into metric labels.
type RetryEvent struct {
	Method   string
	Resource string // resource type or operation, never an id or a query
	Attempt  int    // the attempt about to be made: 2 for the first retry
	Status   int    // status of the failed attempt; 0 for a transport error
	Reason   string // "status", "timeout", "connection" or "body"
}

// withDefaults validates cfg and fills in defaults. It refuses rather than
// guesses: a wrong base URL would send PHI queries somewhere unexpected.
func (cfg Config) withDefaults() (Config, *url.URL, error) {
	if cfg.BaseURL == "" {
		return cfg, nil, errors.New("fhirclient: BaseURL is required")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || !base.IsAbs() || base.Host == "" {
		return cfg, nil, errors.New("fhirclient: BaseURL must be an absolute http or https URL")
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return cfg, nil, fmt.Errorf("fhirclient: BaseURL scheme %q is not http or https", base.Scheme)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return cfg, nil, errors.New("fhirclient: BaseURL must not carry a query, fragment or user info")
	}
	if cfg.Auth != nil && plainHTTPRemote(base) {
		// A bearer token over plain http is readable by anyone on the path.
		return cfg, nil, errors.New("fhirclient: credentials are never sent over plain http to a host other than loopback: use an https BaseURL")
	}
	if cfg.Timeout < 0 || cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 || cfg.MaxRetryAfter < 0 ||
		cfg.PageLimit < 0 || cfg.PageSize < 0 || cfg.MaxResponseBytes < 0 {
		return cfg, nil, errors.New("fhirclient: durations and limits must not be negative")
	}
	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	cfg.RetryWaitMin = orDefault(cfg.RetryWaitMin, DefaultRetryWaitMin)
	cfg.RetryWaitMax = orDefault(cfg.RetryWaitMax, max(DefaultRetryWaitMax, cfg.RetryWaitMin))
	cfg.MaxRetryAfter = orDefault(cfg.MaxRetryAfter, DefaultMaxRetryAfter)
	cfg.PageLimit = orDefault(cfg.PageLimit, DefaultPageLimit)
	cfg.MaxResponseBytes = orDefault(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	cfg.UserAgent = orDefault(cfg.UserAgent, DefaultUserAgent)
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		return cfg, nil, errors.New("fhirclient: RetryWaitMax is less than RetryWaitMin")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Resolve relative references under the base path, not beside it.
	if len(base.Path) == 0 || base.Path[len(base.Path)-1] != '/' {
		base.Path += "/"
		if base.RawPath != "" {
			base.RawPath += "/"
		}
	}
	return cfg, base, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
