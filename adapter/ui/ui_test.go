package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Tests of the handler on a real SQLite store; the browser tests
// (cmd/rpm-adapter TestUIInABrowser) drive it through serve and chromium.

var testNow = time.Date(2026, 10, 20, 15, 0, 0, 0, time.UTC)

type tokens map[string][2]string // token → label, role

func (t tokens) Check(tok string) (string, bool, bool) {
	v, ok := t[tok]
	return v[0], v[1] == "write", ok
}
func (t tokens) Enabled() bool { return len(t) > 0 }

func dt(s string) rules.Date {
	d, err := rules.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// result is a patient's October as of 2026-10-20 (open) or 2026-11-01
// (closed, with a 99454 line when days ≥ 16).
func result(days, minutes int, closed bool) *rules.Result {
	per := rules.Window{Kind: rules.Period30, Start: dt("2026-10-01"), End: dt("2026-10-30")}
	mon := rules.Window{Kind: rules.CalendarMonth, Start: dt("2026-10-01"), End: dt("2026-10-31")}
	var ev []rules.DayEvidence
	for i := range days {
		ev = append(ev, rules.DayEvidence{Date: per.Start.AddDays(i), Refs: []string{fmt.Sprintf("Observation/o%d", i)}})
	}
	r := &rules.Result{Zone: "America/Chicago", Policy: rules.DefaultPolicy(), AsOf: dt("2026-10-20"),
		Periods: []rules.PeriodResult{{Window: per, RuleSet: rules.CMSPFS2026, Provisional: true, Days: days, Evidence: ev,
			Progress: &rules.Progress{Have: days, Need: 16, Missing: max(16-days, 0), DaysLeft: 10, Reachable: days+10 >= 16}}},
		Months: []rules.MonthResult{{Window: mon, RuleSet: rules.CMSPFS2026, Provisional: true, Minutes: minutes, Interactive: minutes > 0,
			Progress: &rules.Progress{Have: minutes, Need: 20, Missing: max(20-minutes, 0), DaysLeft: 11, Reachable: true, NeedsInteractive: minutes == 0}}}}
	if closed {
		r.AsOf = dt("2026-11-01")
		r.Periods[0].Provisional, r.Periods[0].Progress = false, nil
		r.Months[0].Provisional, r.Months[0].Progress = false, nil
		if days >= 16 {
			r.Periods[0].Lines = []rules.CodeLine{{Code: "99454", Units: 1, DOS: per.End}}
		}
		if minutes >= 20 {
			r.Months[0].Lines = []rules.CodeLine{{Code: "99457", Units: 1, DOS: mon.End}}
		}
	}
	return r
}

func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db", "rpm.db"), store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func newUI(t testing.TB, st *store.Store, toks tokens) http.Handler {
	t.Helper()
	h, err := New(Config{Store: st, Tenant: "t1", Tokens: toks, Now: func() time.Time { return testNow }, Location: time.UTC})
	require.NoError(t, err)
	return h
}

// client is a browser without JavaScript: cookies, no redirects followed.
type client struct {
	t   *testing.T
	srv *httptest.Server
	jar http.CookieJar
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hc := &http.Client{Jar: c.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	require.NoError(c.t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) signIn(token string) string {
	c.t.Helper()
	_, page := c.do(http.MethodGet, "/ui/signin", nil)
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(c.t, m, "sign-in form has a CSRF token")
	res, _ := c.do(http.MethodPost, "/ui/signin", url.Values{"csrf": {m[1]}, "token": {token}})
	require.Equal(c.t, http.StatusSeeOther, res.StatusCode)
	_, page = c.do(http.MethodGet, "/ui/?month=2026-10", nil)
	m = csrfField.FindStringSubmatch(page)
	require.NotNil(c.t, m, "signed-in page has a CSRF token")
	return m[1]
}

func newClient(t *testing.T, h http.Handler) *client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookieJar()
	return &client{t: t, srv: srv, jar: jar}
}

func TestSignOffNeedsTheWriteRoleAndTheSessionsCSRFToken(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	require.NoError(t, st.RecordEvaluation(ctx, "t1", "p1", result(18, 25, true), store.Record{}))
	lines, err := st.CodeLines(ctx, store.LineFilter{Tenant: "t1", PatientID: "p1"})
	require.NoError(t, err)
	require.Len(t, lines, 2)
	h := newUI(t, st, tokens{"read-token": {"nurse", "read"}, "write-token": {"dr", "write"}})
	approve := url.Values{"line": {"p1:" + lines[0].LineID}, "back": {"/ui/patient/p1?month=2026-10"}}

	// Signed out: to the sign-in page; a post is refused.
	anon := newClient(t, h)
	res, _ := anon.do(http.MethodGet, "/ui/?month=2026-10", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/ui/signin", res.Header.Get("Location"))
	res, _ = anon.do(http.MethodPost, "/ui/approve", approve)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// A wrong token signs nobody in.
	_, page := anon.do(http.MethodGet, "/ui/signin", nil)
	m := csrfField.FindStringSubmatch(page)
	res, page = anon.do(http.MethodPost, "/ui/signin", url.Values{"csrf": {m[1]}, "token": {"nope"}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, page, "not valid")

	// The read role sees, and may not sign off.
	reader := newClient(t, h)
	csrf := reader.signIn("read-token")
	_, page = reader.do(http.MethodGet, "/ui/patient/p1?month=2026-10", nil)
	assert.NotContains(t, page, `action="/ui/approve"`)
	form := url.Values{"csrf": {csrf}}
	for k, v := range approve {
		form[k] = v
	}
	res, _ = reader.do(http.MethodPost, "/ui/approve", form)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// The write role, with another session's CSRF token: refused.
	writer := newClient(t, h)
	wcsrf := writer.signIn("write-token")
	res, _ = writer.do(http.MethodPost, "/ui/approve", form)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "the reader's CSRF token in the writer's session")
	form.Set("csrf", wcsrf)
	res, _ = writer.do(http.MethodPost, "/ui/approve", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/ui/patient/p1?"))
	got, _ := st.CodeLines(ctx, store.LineFilter{Tenant: "t1", PatientID: "p1", States: []store.State{store.StateApproved}})
	assert.Len(t, got, 1)

	// A later evaluation changes the line: the page says the approval was
	// taken back.
	changed := result(18, 25, true)
	changed.Periods[0].Lines[0].DOS = dt("2026-10-29")
	if lines[0].Code == "99457" {
		changed.Months[0].Lines[0].Units = 2
	}
	require.NoError(t, st.RecordEvaluation(ctx, "t1", "p1", changed, store.Record{}))
	_, page = writer.do(http.MethodGet, "/ui/patient/p1?month=2026-10", nil)
	assert.Contains(t, page, "The approval was taken back: a later evaluation changed this line.")

	// A reject needs a reason; an open redirect target is not followed.
	res, _ = writer.do(http.MethodPost, "/ui/reject", url.Values{"csrf": {wcsrf}, "line": {"p1:" + lines[1].LineID}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res, _ = writer.do(http.MethodPost, "/ui/reject", url.Values{"csrf": {wcsrf}, "line": {"p1:" + lines[1].LineID},
		"reason": {"duplicate"}, "back": {"//evil.example/ui/"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/ui/?"), res.Header.Get("Location"))

	// Sign-out ends the session on the server.
	res, _ = writer.do(http.MethodPost, "/ui/signout", url.Values{"csrf": {wcsrf}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = writer.do(http.MethodGet, "/ui/", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
}

func TestCookiesAreHttpOnlyStrictAndSecureUnderTLS(t *testing.T) {
	st := newStore(t)
	for _, tls := range []bool{false, true} {
		h, err := New(Config{Store: st, Tenant: "t1", Tokens: tokens{"write-token": {"dr", "write"}}, TLS: tls})
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ui/signin", nil))
		cs := rec.Result().Cookies()
		require.NotEmpty(t, cs)
		for _, c := range cs {
			assert.True(t, c.HttpOnly, c.Name)
			assert.Equal(t, http.SameSiteStrictMode, c.SameSite, c.Name)
			assert.Equal(t, tls, c.Secure, c.Name)
		}
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'")
	}
}

func TestTokenlessModeIsReadOnlyWithoutSignIn(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	require.NoError(t, st.RecordEvaluation(ctx, "t1", "p1", result(18, 25, true), store.Record{Patient: store.PatientInfo{DisplayName: "Pat Doe"}}))
	require.NoError(t, st.RecordEvaluation(ctx, "t1", "p2", result(8, 0, false), store.Record{}))
	c := newClient(t, newUI(t, st, tokens{}))
	res, page := c.do(http.MethodGet, "/ui/?month=2026-10", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, page, "Read-only")
	assert.Contains(t, page, "Pat Doe")
	assert.NotContains(t, page, `action="/ui/approve"`)
	// p2 (open, behind pace) comes before p1 (met), and says what is missing.
	assert.Less(t, strings.Index(page, `data-patient="p2"`), strings.Index(page, `data-patient="p1"`))
	assert.Contains(t, page, "Needs 8 more days with device readings by 2026-10-30")
	assert.Contains(t, page, "needs action: behind pace")
	res, _ = c.do(http.MethodPost, "/ui/approve", url.Values{"line": {"p1:x"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	// Without a month: today's (October as of the clock), and the months
	// with results offered.
	_, page = c.do(http.MethodGet, "/ui/", nil)
	assert.Contains(t, page, "Worklist, October 2026")
	assert.Contains(t, page, `id="months"`)
	res, _ = c.do(http.MethodGet, "/ui/patient/..?month=2026-10", nil)
	assert.NotEqual(t, http.StatusOK, res.StatusCode)
	res, _ = c.do(http.MethodGet, "/ui/?month=1999-01", nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}
