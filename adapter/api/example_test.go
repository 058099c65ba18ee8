package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/api"
)

// notReady is a Service whose FHIR source never answers.
type notReady struct{}

func (notReady) EvaluatePatient(context.Context, string, adapter.Job, bool) (*adapter.Outcome, error) {
	return nil, adapter.ErrNotFound
}
func (notReady) GroupMembers(context.Context, string) ([]string, error) {
	return nil, adapter.ErrNotFound
}
func (notReady) Ready(context.Context) error { return fmt.Errorf("no answer") }

// The command's wiring, in short: check the bind address, build the API,
// hook the FHIR client to its metrics, and serve it with the limits.
func Example() {
	tokens, err := api.ParseTokens("ops:write:0123456789abcdef-ops")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := api.Config{Tokens: tokens, ListenAddr: "127.0.0.1:8080"}
	if err := api.CheckBind(cfg.ListenAddr, len(cfg.Tokens), false); err != nil {
		fmt.Println(err)
		return
	}
	srv, err := api.New(cfg, notReady{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// fhirclient.Config{OnRetry: srv.Metrics().FHIRRetry,
	//	HTTPClient: &http.Client{Transport: srv.Metrics().InstrumentTransport(nil)}}
	httpSrv := api.NewHTTPServer("127.0.0.1:8080", srv, cfg)
	fmt.Println("write timeout:", httpSrv.WriteTimeout)

	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/readyz", nil),
		httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/fhir/Patient/p1/$rpm-eligibility?month=2024-03", nil),
	} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		fmt.Println(r.URL.Path, w.Code, w.Header().Get("Content-Type"))
	}
	_ = srv.Shutdown(context.Background())
	// Output:
	// write timeout: 1m30s
	// /readyz 503 application/fhir+json; charset=utf-8
	// /fhir/Patient/p1/$rpm-eligibility 401 application/fhir+json; charset=utf-8
}
