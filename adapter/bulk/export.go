package bulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// ExportRequest is what a group-level $export asks for.
type ExportRequest struct {
	// Group is the logical id of the Group whose members are exported.
	Group string
	// Types, when given, is sent as _type (comma-joined): only these
	// resource types are exported.
	Types []string
	// Since, when not zero, is sent as _since (a FHIR instant in UTC): only
	// resources changed after it are exported.
	Since time.Time
	// OutputFormat is sent as _outputFormat; "" means
	// application/fhir+ndjson, and only NDJSON forms are accepted.
	OutputFormat string
}

// Defaults for zero-valued Options.
const (
	DefaultPollMin        = 1 * time.Second
	DefaultPollMax        = 60 * time.Second
	DefaultPollInterval   = 2 * time.Second
	DefaultCleanupTimeout = 10 * time.Second
)

// Options tune Export. The zero value is usable. The export as a whole is
// bounded by the caller's context, not by an option.
type Options struct {
	// PollMin and PollMax bound the wait between status requests, whatever
	// Retry-After says: a server asking for 0 s must not be hammered, one
	// asking for an hour must not park the run. (HAPI FHIR 8 answers
	// Retry-After: 120 on every poll, even for a job done in two seconds.)
	PollMin, PollMax time.Duration
	// PollInterval is the first wait when the server gives no Retry-After;
	// it then grows by half each poll up to PollMax, the exponential
	// back-off the IG asks clients for.
	PollInterval time.Duration

	// OnProgress, when set, is called after every status request that
	// answers "still running". It must not block.
	OnProgress func(Progress)

	// Accept is sent when downloading files; "" means
	// application/fhir+ndjson.
	Accept string
	// MaxFileBytes, when positive, fails the export on a file larger than
	// this (decompressed); zero means the client's MaxResponseBytes. Files
	// go to disk, never into memory, but a gzip bomb would still fill it.
	MaxFileBytes int64

	// FileOrigins are origins ("https://bucket.example.com", scheme, host
	// and optional port, no path) from which output files may be fetched
	// besides the FHIR base. A file anywhere else is refused before any
	// request, and so is a redirect there: a manifest must not make the
	// adapter fetch a cloud metadata address or an internal service and
	// read the answer as input. Files needing the access token come only
	// from under the FHIR base, whatever this says.
	FileOrigins []string
	origins     []*url.URL

	// CleanupTimeout bounds the final DELETE of the job, which also runs
	// after the caller's context is cancelled.
	CleanupTimeout time.Duration

	// Logger receives a few records per export (kick-off, completion, a
	// failed cleanup): counts and types, never URLs. nil discards.
	Logger *slog.Logger
	// Now is the clock for HTTP-date Retry-After values; nil is time.Now.
	Now func() time.Time
	// Sleep waits between polls; nil waits on a timer. It must return
	// ctx.Err() when ctx ends first. Tests inject one that records.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Progress reports a status request that answered 202 Accepted.
type Progress struct {
	Poll int           // 1 for the first status request
	Text string        // the X-Progress header as sent ("" when absent), at most 100 characters
	Wait time.Duration // until the next status request
}

func (o Options) withDefaults() (Options, error) {
	if o.PollMin < 0 || o.PollMax < 0 || o.PollInterval < 0 || o.MaxFileBytes < 0 || o.CleanupTimeout < 0 {
		return o, errors.New("bulk: durations and limits must not be negative")
	}
	o.origins = nil
	for _, raw := range o.FileOrigins {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return o, fmt.Errorf("bulk: file origin %q is not scheme://host[:port]", raw)
		}
		o.origins = append(o.origins, u)
	}
	if o.PollMin == 0 {
		o.PollMin = DefaultPollMin
		if o.PollMax > 0 {
			o.PollMin = min(o.PollMin, o.PollMax)
		}
	}
	if o.PollMax == 0 {
		o.PollMax = max(DefaultPollMax, o.PollMin)
	}
	if o.PollMax < o.PollMin {
		return o, errors.New("bulk: PollMax is less than PollMin")
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	o.PollInterval = min(max(o.PollInterval, o.PollMin), o.PollMax)
	if o.CleanupTimeout == 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var (
	// R4 §2.1.22 id and resource type names; checking them keeps a value
	// from rewriting the kick-off path or, for types, a local file name.
	// An id made only of dots is refused besides (validID).
	idRe   = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	typeRe = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
)

// ndjsonFormats are the _outputFormat values the IG says servers accept
// for NDJSON; the adapter reads nothing else.
var ndjsonFormats = map[string]bool{fhirclient.NDJSONType: true, "application/ndjson": true, "ndjson": true}

// validID applies the R4 id syntax and refuses "." and "..", which would
// turn Group/../$export into a system-level export.
func validID(id string) bool {
	return idRe.MatchString(id) && strings.Trim(id, ".") != ""
}

// kickOffPath returns the kick-off path segments under the base and the
// query.
func (r ExportRequest) kickOffPath() ([]string, url.Values, error) {
	if !validID(r.Group) {
		return nil, nil, errors.New("bulk: Group must be a FHIR id")
	}
	q := url.Values{}
	format := r.OutputFormat
	if format == "" {
		format = fhirclient.NDJSONType
	}
	if !ndjsonFormats[format] {
		return nil, nil, fmt.Errorf("bulk: output format %q is not NDJSON", format)
	}
	q.Set("_outputFormat", format)
	if len(r.Types) > 0 {
		for _, t := range r.Types {
			if !typeRe.MatchString(t) {
				return nil, nil, fmt.Errorf("bulk: %q is not a resource type", t)
			}
		}
		q.Set("_type", strings.Join(r.Types, ","))
	}
	if !r.Since.IsZero() {
		q.Set("_since", instant(r.Since))
	}
	return []string{"Group", r.Group, "$export"}, q, nil
}

// instant formats t as a FHIR instant in UTC with milliseconds. Truncating
// (not rounding) below a millisecond moves _since earlier, which can only
// add resources, never lose one.
func instant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Export runs a group-level bulk export and downloads its files into dir
// (see the package documentation for the layout). It returns the manifest
// with every file's local path and line count.
//
// After kick-off the job is always DELETEd: when the export fails or ctx
// ends this cancels it, best effort; after success it lets the server drop
// the files, and a failure to do so is returned in Manifest.Cleanup rather
// than failing an export whose files are all on disk.
//
// The kick-off is a GET, so the client retries it after a 5xx or a broken
// connection like any read; a server that had already started a job then
// holds a second one, which expires on its own. A 202 is never repeated.
func Export(ctx context.Context, c *fhirclient.Client, req ExportRequest, dir string, opts Options) (*Manifest, error) {
	if c == nil {
		return nil, errors.New("bulk: nil fhirclient.Client")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	path, query, err := req.kickOffPath()
	if err != nil {
		return nil, err
	}
	out, err := newFolder(dir)
	if err != nil {
		return nil, err
	}
	status, wait, err := kickOff(ctx, c, path, query, opts)
	if err != nil {
		return nil, err
	}
	opts.Logger.InfoContext(ctx, "bulk export accepted", slog.Int("types", len(req.Types)), slog.Bool("since", !req.Since.IsZero()))

	m, err := poll(ctx, c, status, wait, opts)
	if err == nil {
		err = download(ctx, c, m, out, opts)
	}
	cleanup := deleteJob(ctx, c, status, opts)
	if err != nil {
		out.removeAll()
		if cleanup != nil {
			opts.Logger.WarnContext(ctx, "bulk export job not deleted", slog.String("error", cleanup.Error()))
		}
		return nil, err
	}
	m.Cleanup = cleanup
	if cleanup != nil {
		opts.Logger.WarnContext(ctx, "bulk export job not deleted", slog.String("error", cleanup.Error()))
	}
	opts.Logger.InfoContext(ctx, "bulk export downloaded", slog.Int("output", len(m.Output)),
		slog.Int("error", len(m.Error)), slog.Int("deleted", len(m.Deleted)))
	return m, nil
}

// kickOff sends the $export request and returns the absolute status URL
// and the wait before the first poll.
func kickOff(ctx context.Context, c *fhirclient.Client, path []string, query url.Values, opts Options) (*url.URL, time.Duration, error) {
	// The segments are checked ids and names, so joining them for the
	// base of a relative Content-Location resolves nothing away.
	target, err := c.ResolveURL(strings.Join(path, "/"))
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.Do(ctx, &fhirclient.Request{
		Path:   path,
		Query:  query,
		Header: http.Header{"Prefer": {"respond-async"}},
	})
	if err != nil {
		return nil, 0, fmt.Errorf("bulk: kick-off: %w", err)
	}
	if resp.Status != http.StatusAccepted {
		return nil, 0, fmt.Errorf("bulk: kick-off answered %d, not 202 Accepted: %w", resp.Status, fhirclient.ErrProtocol)
	}
	loc := resp.Header.Get("Content-Location")
	if loc == "" {
		return nil, 0, fmt.Errorf("bulk: kick-off answered 202 without Content-Location: %w", fhirclient.ErrProtocol)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, 0, fmt.Errorf("bulk: kick-off Content-Location is not a URL: %w", fhirclient.ErrProtocol)
	}
	// RFC 9110 §8.7: a relative Content-Location is relative to the
	// request's target, not to the base.
	status := target.ResolveReference(ref)
	status.Fragment = ""
	if status.Scheme != "http" && status.Scheme != "https" {
		return nil, 0, fmt.Errorf("bulk: status URL is not http or https: %w", fhirclient.ErrProtocol)
	}
	if !c.SameOrigin(status) {
		// Polling it would carry our token elsewhere. The job cannot be
		// deleted either, for the same reason.
		return nil, 0, fmt.Errorf("bulk: status URL on %s is not on the FHIR server's origin: %w", status.Host, fhirclient.ErrOrigin)
	}
	if !c.UnderBase(status) {
		// Same host, another tenant's or an admin path: the token is ours
		// for the base only.
		return nil, 0, fmt.Errorf("bulk: status URL is outside the FHIR base path: %w", fhirclient.ErrOrigin)
	}
	return status, opts.firstWait(resp.Header), nil
}

// deleteJob DELETEs the status URL: a cancellation while the job runs, a
// cleanup after it completed. It gets a context of its own so that it still
// goes out after ctx was cancelled. 404 and 410 mean there is nothing left
// to delete.
func deleteJob(ctx context.Context, c *fhirclient.Client, status *url.URL, opts Options) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.CleanupTimeout)
	defer cancel()
	_, err := c.Do(dctx, &fhirclient.Request{Method: http.MethodDelete, URL: status.String()})
	if err != nil && !errors.Is(err, fhirclient.ErrNotFound) {
		return fmt.Errorf("bulk: deleting the export job: %w", err)
	}
	return nil
}
