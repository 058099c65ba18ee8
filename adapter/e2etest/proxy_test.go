package e2etest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProxyFaultsHitTheFirstAttemptOnly(t *testing.T) {
	var hits int
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		io.WriteString(w, r.Host+" "+r.URL.RequestURI())
	}))
	defer upstream.Close()
	p := NewProxy(t, upstream.URL+"/fhir", TooMany, Unavailable, Drop, DropAfter, Slow, Pass)
	p.Delay = 0
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, string, http.Header, error) {
		res, err := hc.Get(p.URL + path)
		if err != nil {
			return 0, "", nil, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header, nil
	}
	want := []struct {
		path   string
		status int
		broken bool
	}{
		{"/Patient/a", http.StatusTooManyRequests, false},
		{"/Patient/b", http.StatusServiceUnavailable, false},
		{"/Patient/c", 0, true},
		{"/Patient/d", 0, true},
		{"/Patient/e", http.StatusOK, false},
		{"/Patient/f", http.StatusOK, false},
	}
	for _, w := range want {
		code, _, hdr, err := get(w.path)
		if w.broken {
			assert.Error(t, err, w.path)
		} else {
			require.NoError(t, err, w.path)
			assert.Equal(t, w.status, code, w.path)
		}
		if w.status == http.StatusTooManyRequests {
			assert.Equal(t, "1", hdr.Get("Retry-After"))
		}
		// The retry passes, with the proxy's Host so that paging links
		// point back at the proxy.
		code, body, _, err := get(w.path)
		require.NoError(t, err, w.path)
		assert.Equal(t, http.StatusOK, code, w.path)
		assert.Equal(t, p.URL[len("http://"):len(p.URL)-len("/fhir")]+" /fhir"+w.path, body)
	}
	got := p.Injected()
	assert.Equal(t, map[Fault]int{TooMany: 1, Unavailable: 1, Drop: 1, DropAfter: 1, Slow: 1}, got)
	assert.Equal(t, 12, p.Requests())
	assert.Equal(t, 12-3, hits, "429, 503 and drop never reach the server; drop-after does")
}
