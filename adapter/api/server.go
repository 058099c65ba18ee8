package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rpm-adapter/rpm-adapter/ig"
)

// Routes of the API. Gin matches "$" literally, and a client's "%24" is
// decoded before matching, so both spellings reach the operation.
const (
	routeMetadata     = "/fhir/metadata"
	routeOpDefinition = "/fhir/OperationDefinition/:id"
	routePatientOp    = "/fhir/Patient/:id/$rpm-eligibility"
	routeGroupOp      = "/fhir/Group/:id/$rpm-eligibility"
	routePatientWrite = "/fhir/Patient/:id/$rpm-eligibility-write"
	routeGroupWrite   = "/fhir/Group/:id/$rpm-eligibility-write"
	routeOpDefSearch  = "/fhir/OperationDefinition"
	routeJob          = "/fhir/_jobs/:id"
	routeHealth       = "/healthz"
	routeReady        = "/readyz"
	routeMetrics      = "/metrics"
)

// Server is the API: an http.Handler plus the async jobs it runs.
type Server struct {
	cfg      Config
	svc      Service
	log      *slog.Logger
	metrics  *Metrics
	auth     *authenticator
	hosts    *hostGuard
	inflight *inflight
	ready    readiness
	jobs     *jobStore
	engine   *gin.Engine

	guide      *ig.Guide        // the implementation guide under cfg.Canonical
	capability []byte           // CapabilityStatement JSON
	opDefs     map[string]opDef // the guide's OperationDefinitions by id, as served
}

// New builds the API over svc. It refuses a nil service and a Config that
// cannot work (short tokens, nested timeouts the wrong way round).
func New(cfg Config, svc Service) (*Server, error) {
	if svc == nil {
		return nil, errors.New("api: a Service is required")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	s := &Server{cfg: cfg, svc: svc, log: cfg.Logger, metrics: cfg.Metrics,
		auth: newAuthenticator(cfg.Tokens), hosts: newHostGuard(cfg), inflight: newInflight(cfg.MaxInflight)}
	s.jobs = newJobStore(cfg, cfg.Metrics)
	if s.guide, err = ig.Rebase(cfg.Canonical); err != nil {
		return nil, err
	}
	if s.opDefs, err = operationDefinitions(cfg, s.guide); err != nil {
		return nil, err
	}
	if s.capability, err = capabilityStatement(cfg, s.guide, s.opDefs); err != nil {
		return nil, err
	}
	s.engine = s.routes()
	if cfg.Jobs != nil {
		if err := cfg.Jobs.Run(context.Background(), jobWork{s}); err != nil {
			return nil, fmt.Errorf("api: starting the job workers: %w", err)
		}
	}
	return s, nil
}

// routes wires the middleware and endpoints. Every request but the probes
// must name an allowed Host (421), and no state-changing request may come
// from another origin (403). Which endpoints need a token:
//   - open: /healthz and /readyz (probes; no patient data, /readyz never
//     shows why the source is down and is cached), /fhir/metadata and
//     /fhir/OperationDefinition (static, and FHIR clients read the
//     CapabilityStatement before they authenticate);
//   - any token: /metrics, unless MetricsPublic;
//   - bearer token: the $rpm-eligibility operations and the job status URLs,
//     which return patient data; $rpm-eligibility-write needs the write role.
func (s *Server) routes() *gin.Engine {
	// Debug mode prints every route to stdout, around slog; Gin has no
	// per-engine switch.
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.Use(withRequestID(s.log), accessLog(s.log, s.metrics), recovery(s.log), s.hosts.middleware,
		crossOrigin(), negotiate, limitBody(s.cfg.MaxBodyBytes))
	e.NoRoute(notFound)
	e.NoMethod(notAllowed)

	e.GET(routeHealth, s.healthz)
	e.HEAD(routeHealth, s.healthz) // some load balancers probe with HEAD
	e.GET(routeReady, s.readyz)
	e.HEAD(routeReady, s.readyz)
	if s.cfg.MetricsPublic {
		e.GET(routeMetrics, s.metricsHandler())
	} else {
		e.GET(routeMetrics, s.auth.middleware, s.metricsHandler())
	}
	e.GET(routeMetadata, s.metadata)
	e.GET(routeOpDefinition, s.operationDefinition)
	e.GET(routeOpDefSearch, s.searchOperationDefinitions)
	s.conformanceRoutes(e) // the implementation guide, conformance.go

	// $rpm-eligibility never changes state (GET or POST);
	// $rpm-eligibility-write writes the results back (POST only).
	ops := e.Group("/fhir", s.audit, s.auth.middleware, noStore)
	ops.GET("/Patient/:id/$rpm-eligibility", s.patientOperation)
	ops.POST("/Patient/:id/$rpm-eligibility", s.patientOperation)
	ops.POST("/Patient/:id/$rpm-eligibility-write", writeOperation, s.patientOperation)
	ops.GET("/Group/:id/$rpm-eligibility", s.groupOperation)
	ops.POST("/Group/:id/$rpm-eligibility", s.groupOperation)
	ops.POST("/Group/:id/$rpm-eligibility-write", writeOperation, s.groupOperation)
	ops.GET("/_jobs/:id", s.jobStatus)
	ops.DELETE("/_jobs/:id", s.jobDelete)
	ops.POST("/$rpm-billing-export", s.billingExport)
	s.mountUI(e)
	s.watchRoutes(e)
	return e
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Metrics are the server's series, for hooking the FHIR client to them.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Shutdown cancels the in-memory async jobs and waits for them to stop, or
// for ctx; stored jobs' running members finish (or are taken up again after
// a restart) and stay queued. Call it after http.Server.Shutdown has let
// running requests finish.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.jobs.close(ctx)
	if s.cfg.Jobs != nil {
		err = errors.Join(err, s.cfg.Jobs.Stop(ctx))
	}
	return err
}
