package fhirclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// A search hands over each page as raw JSON; decoding it is fhirmap's job.
// Had any page failed, Search would return an error and the pages already
// seen would have to be discarded.
func ExampleClient_Search() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		if r.URL.Query().Get("page") == "" {
			fmt.Fprintf(w, `{"resourceType":"Bundle","link":[{"relation":"next","url":"http://%s/fhir/Observation?page=2"}]}`, r.Host)
			return
		}
		fmt.Fprint(w, `{"resourceType":"Bundle"}`)
	}))
	defer srv.Close()

	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL + "/fhir", Auth: fhirclient.StaticToken("t0k")})
	if err != nil {
		panic(err)
	}
	pages := 0
	err = c.Search(context.Background(), "Observation", url.Values{"patient": {"p1"}}, func(page []byte) error {
		pages++
		return nil
	})
	fmt.Println(pages, err)
	// Output: 2 <nil>
}

// Errors carry the OperationOutcome text and a kind for errors.Is; never the
// query string.
func ExampleError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Unknown resource"}]}`)
	}))
	defer srv.Close()

	c, _ := fhirclient.New(fhirclient.Config{BaseURL: srv.URL})
	_, err := c.Read(context.Background(), "Patient", "p1")
	fmt.Println(err)
	fmt.Println(errors.Is(err, fhirclient.ErrNotFound))
	// Output:
	// fhirclient: GET Patient: 404 Not Found: error not-found
	// true
}
