package fhirclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageWithNext is a searchset page linking to next ("" on the last page).
func pageWithNext(next string) string {
	if next == "" {
		return emptyBundle
	}
	return fmt.Sprintf(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"x"},{"relation":"next","url":%q}]}`, next)
}

// pagedServer serves pages[i] (the last one repeated) as answer i; each
// builds its body from the server's base URL.
func pagedServer(t *testing.T, pages ...func(base string) reply) (*scripted, *Client) {
	t.Helper()
	srv := newScriptedFunc(t, func(i int, r *http.Request) reply {
		return pages[min(i, len(pages)-1)]("http://" + r.Host + "/fhir")
	})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.Auth = StaticToken("tok-search")
	return srv, newClient(t, cfg)
}

func page(next string) func(string) reply {
	return func(base string) reply {
		if next != "" && next[0] == '/' { // relative to this server
			next = base + next
		}
		return reply{status: 200, body: pageWithNext(next)}
	}
}

func collect(pages *[]string) func([]byte) error {
	return func(p []byte) error { *pages = append(*pages, string(p)); return nil }
}

func TestSearchFollowsNextLinks(t *testing.T) {
	srv, c := pagedServer(t, page("/Observation?page=2"), page("/Observation?page=3"), page(""))
	var got []string
	err := c.Search(t.Context(), "Observation", url.Values{"patient": {"p1"}}, collect(&got))
	require.NoError(t, err)
	assert.Len(t, got, 3)
	require.Equal(t, 3, srv.count())
	assert.Equal(t, "/fhir/Observation", srv.request(0).URL.Path)
	assert.Equal(t, "patient=p1", srv.request(0).URL.RawQuery)
	assert.Equal(t, "page=3", srv.request(2).URL.RawQuery)
	for i := range 3 {
		r := srv.request(i)
		assert.Equal(t, "no-cache", r.Header.Get("Cache-Control"), "page %d", i+1)
		assert.Equal(t, "Bearer tok-search", r.Header.Get("Authorization"), "page %d", i+1)
		assert.Equal(t, fhirJSON, r.Header.Get("Accept"), "page %d", i+1)
	}
}

func TestSearchFailures(t *testing.T) {
	foreign := newCountingServer(t)
	tests := []struct {
		name      string
		pages     []func(string) reply
		wantPages int // pages handed to fn before the failure
		wantCalls int
		wantKind  error
	}{
		{"invalid JSON on page 2 fails the search",
			[]func(string) reply{page("/Observation?page=2"), func(string) reply { return reply{status: 200, body: `{"resourceType":"Bun`} }},
			1, 2, ErrProtocol},
		{"a page that is not a Bundle fails the search",
			[]func(string) reply{func(string) reply { return reply{status: 200, body: outcome400} }},
			0, 1, ErrProtocol},
		{"500 on page 2 after retries fails the search",
			[]func(string) reply{page("/Observation?page=2"), func(string) reply { return reply{status: 500} }},
			1, 1 + 4, ErrUnavailable},
		{"a next link to a foreign host is refused",
			[]func(string) reply{page(foreign.URL + "/fhir/Observation?" + phiQueryText)},
			1, 1, ErrOrigin},
		{"a next link to another scheme is refused",
			[]func(string) reply{func(base string) reply {
				return reply{status: 200, body: pageWithNext("https" + base[len("http"):] + "/Observation?page=2")}
			}},
			1, 1, ErrOrigin},
		{"a repeated next link stops the search",
			[]func(string) reply{page("/Observation?page=2"), page("/Observation?page=2")},
			2, 2, ErrProtocol},
		{"a next link back to the first page stops the search",
			[]func(string) reply{page("/Observation?patient=p1")},
			1, 1, ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := pagedServer(t, tt.pages...)
			var got []string
			err := c.Search(t.Context(), "Observation", url.Values{"patient": {"p1"}}, collect(&got))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantKind)
			assert.Len(t, got, tt.wantPages)
			assert.Equal(t, tt.wantCalls, srv.count())
			assert.Regexp(t, `^fhirclient: GET Observation: (page \d+: )?\w`, err.Error())
			assert.NotContains(t, err.Error(), "patient", "no query in the error")
			assert.NotContains(t, err.Error(), "page=", "no query in the error")
		})
	}
	assert.Zero(t, foreign.hits.Load(), "the foreign host got no request")
	assert.False(t, foreign.sawCreds.Load(), "the foreign host saw no credentials")
}

func TestSearchPageLimit(t *testing.T) {
	var pages []func(string) reply
	for i := 2; i <= 10; i++ {
		pages = append(pages, page(fmt.Sprintf("/Observation?page=%d", i)))
	}
	srv, c := pagedServer(t, pages...)
	c.cfg.PageLimit = 3

	err := c.Search(t.Context(), "Observation", nil, func([]byte) error { return nil })
	assert.ErrorIs(t, err, ErrProtocol)
	assert.Equal(t, 3, srv.count())
}

func TestSearchStopsOnCallbackError(t *testing.T) {
	srv, c := pagedServer(t, page("/Observation?page=2"), page(""))
	stop := errors.New("enough")
	err := c.Search(t.Context(), "Observation", nil, func([]byte) error { return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, srv.count())
}

func TestSearchQuery(t *testing.T) {
	tests := []struct {
		name     string
		pageSize int
		params   url.Values
		want     string
	}{
		{"page size is sent as _count", 50, url.Values{"patient": {"p1"}}, "_count=50&patient=p1"},
		{"a caller's _count wins over page size", 50, url.Values{"_count": {"10"}}, "_count=10"},
		{"repeated parameters are all sent", 0, url.Values{"date": {"ge2026-01-01", "lt2026-02-01"}}, "date=ge2026-01-01&date=lt2026-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, reply{status: 200, body: emptyBundle})
			cfg := fastConfig(srv.URL)
			cfg.PageSize = tt.pageSize
			c := newClient(t, cfg)
			require.NoError(t, c.Search(t.Context(), "Observation", tt.params, func([]byte) error { return nil }))
			assert.Equal(t, tt.want, srv.request(0).URL.RawQuery)
		})
	}
}

func TestSearchRefusesBadResourceType(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: emptyBundle})
	c := newClient(t, fastConfig(srv.URL))
	err := c.Search(t.Context(), "../admin", nil, func([]byte) error { return nil })
	assert.Error(t, err)
	assert.Zero(t, srv.count())
}

// Same host, another path (another tenant, an admin API): the link would
// carry our token all the same, so it is refused before any request.
func TestNextLinkOutsideBasePathIsRefused(t *testing.T) {
	for _, next := range []string{
		"/../other-tenant/admin/users?page=2", // resolved: /other-tenant/admin/users
		"ABSOLUTE/other-tenant/admin/users?page=2",
		"ABSOLUTE/fhir-other/Observation?page=2", // a sibling that shares the prefix
		"ABSOLUTE/fhir/%2e%2e/admin?page=2",
	} {
		t.Run(next, func(t *testing.T) {
			srv := newScriptedFunc(t, func(i int, r *http.Request) reply {
				if i > 0 {
					return reply{status: 200, body: emptyBundle}
				}
				link := strings.Replace(next, "ABSOLUTE", "http://"+r.Host, 1)
				if link[0] == '/' {
					link = "http://" + r.Host + "/fhir" + link
				}
				return reply{status: 200, body: pageWithNext(link)}
			})
			cfg := fastConfig(srv.URL + "/fhir")
			cfg.Auth = StaticToken("tok-tenant-a")
			c := newClient(t, cfg)
			err := c.Search(t.Context(), "Observation", url.Values{"patient": {"p1"}}, func([]byte) error { return nil })
			assert.ErrorIs(t, err, ErrOrigin)
			assert.ErrorContains(t, err, "outside the FHIR base")
			assert.Equal(t, 1, srv.count(), "the link was not followed")
		})
	}
}
