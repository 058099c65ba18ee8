package bulk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/bulk"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// An export is one call: kick-off, polling, downloads and the final DELETE.
// The folder it fills is read like any other export.
func ExampleExport() {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fhir/Group/rpm-cohort/$export":
			w.Header().Set("Content-Location", srv.URL+"/fhir/status/1")
			w.WriteHeader(http.StatusAccepted)
		case "/fhir/status/1":
			if r.Method == http.MethodDelete {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			fmt.Fprintf(w, `{"transactionTime":"2026-03-01T12:00:00Z","requiresAccessToken":true,`+
				`"output":[{"type":"Patient","url":"%s/fhir/files/p","count":1}],"error":[]}`, srv.URL)
		case "/fhir/files/p":
			fmt.Fprintln(w, `{"resourceType":"Patient","id":"p1"}`)
		}
	}))
	defer srv.Close()

	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL + "/fhir", Auth: fhirclient.StaticToken("t0k")})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)

	m, err := bulk.Export(context.Background(), c,
		bulk.ExportRequest{Group: "rpm-cohort", Types: []string{"Patient", "Observation", "Communication"}},
		filepath.Join(dir, "out"), bulk.Options{PollMin: time.Millisecond, PollInterval: time.Millisecond})
	if err != nil {
		panic(err)
	}
	for _, f := range m.Output {
		fmt.Println(filepath.Base(f.Path), f.Lines)
	}
	fmt.Println(m.Cleanup)
	// Output:
	// Patient-1.ndjson 1
	// <nil>
}
