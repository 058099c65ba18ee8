package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// Metrics are the service's Prometheus series, in a registry of their own
// (nothing registers behind our back through the global one). Every label
// value is bounded: route templates, methods, status codes, resource types,
// fixed outcome words; never an id, a path or a query.
//
// The command hooks the FHIR client to it:
//
//	cfg.OnRetry = m.FHIRRetry
//	cfg.HTTPClient = &http.Client{Transport: m.InstrumentTransport(http.DefaultTransport)}
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	durations    *prometheus.HistogramVec
	evaluations  *prometheus.CounterVec
	fhirCalls    *prometheus.CounterVec
	fhirDuration *prometheus.HistogramVec
	fhirRetries  *prometheus.CounterVec
	jobsRunning  prometheus.Gauge
	jobs         *prometheus.CounterVec
}

// NewMetrics makes the series and registers them, with the Go runtime and
// process collectors, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_http_requests_total", Help: "HTTP requests answered, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rpm_http_request_duration_seconds", Help: "Time to answer an HTTP request, by method and route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method", "route"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_evaluations_total", Help: "Patient evaluations, by outcome (evaluated, not_evaluated, failed).",
		}, []string{"outcome"}),
		fhirCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_fhir_requests_total", Help: "HTTP attempts to the FHIR server, by method, resource and status (0: no response).",
		}, []string{"method", "resource", "status"}),
		fhirDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rpm_fhir_request_duration_seconds", Help: "Time of one attempt to the FHIR server, by method and resource.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "resource"}),
		fhirRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_fhir_retries_total", Help: "Retries of FHIR interactions, by method, resource and reason.",
		}, []string{"method", "resource", "reason"}),
		jobsRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rpm_jobs_running", Help: "Asynchronous Group jobs running now.",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_jobs_total", Help: "Asynchronous Group jobs, by outcome (completed, failed, cancelled, rejected).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.durations, m.evaluations, m.fhirCalls, m.fhirDuration,
		m.fhirRetries, m.jobsRunning, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the series live; the command may add its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// FHIRCall counts one attempt to the FHIR server. resource is a resource
// type or operation name, never an id or a query; status 0 means no
// response was received.
func (m *Metrics) FHIRCall(method, resource string, status int, d time.Duration) {
	m.fhirCalls.WithLabelValues(method, resource, strconv.Itoa(status)).Inc()
	m.fhirDuration.WithLabelValues(method, resource).Observe(d.Seconds())
}

// FHIRRetry counts a retry; it has the signature of fhirclient.Config.OnRetry.
func (m *Metrics) FHIRRetry(e fhirclient.RetryEvent) {
	m.fhirRetries.WithLabelValues(e.Method, e.Resource, e.Reason).Inc()
}

// InstrumentTransport counts every attempt that goes through next with
// FHIRCall. The URL is never read beyond its first resource-type segment.
func (m *Metrics) InstrumentTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		m.FHIRCall(methodOf(r), resourceOfPath(r.URL.Path), status, time.Since(start))
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (m *Metrics) observeRequest(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.durations.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *Metrics) evaluation(outcome string) { m.evaluations.WithLabelValues(outcome).Inc() }

func (m *Metrics) jobStarted() { m.jobsRunning.Inc() }

func (m *Metrics) jobEnded(outcome string) {
	m.jobsRunning.Dec()
	m.jobs.WithLabelValues(outcome).Inc()
}

func (m *Metrics) jobRejected() { m.jobs.WithLabelValues("rejected").Inc() }

// fhirResources are the resource types the adapter talks to. Only these
// become label values: a path segment is never trusted to be a type, since
// an id such as "Smith" looks like one.
var fhirResources = map[string]bool{
	"Patient": true, "Observation": true, "Communication": true, "Encounter": true,
	"EpisodeOfCare": true, "ChargeItem": true, "Group": true, "MeasureReport": true,
	"Task": true, "OperationOutcome": true, "metadata": true,
}

// resourceOfPath is the first known resource type in a FHIR URL path, or
// "other" (a transaction to the base, a token endpoint).
func resourceOfPath(p string) string {
	for seg := range strings.SplitSeq(p, "/") {
		if fhirResources[seg] {
			return seg
		}
	}
	return "other"
}
