package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The worklist page in a real browser (issue 14, point 5): Debian's
// chromium, headless, driven by chromedp, against serve on the embedded
// sample as of 2026-11-01 (the run date of the sample's expected.json, the
// day after October), with a read and a write token. Each step saves a
// screenshot under the test's temp folder (and into RPM_UI_SCREENSHOTS when
// set, which is how testdata/ui/worklist.png was made).

const (
	uiWriteToken = "write-token-0123456789abcdef"
	uiReadToken  = "read-token-0123456789abcdef"
	uiClock      = "2026-11-01T12:00:00Z"
)

// chromium finds the browser; under CI=true a missing one fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("RPM_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: under CI=true the browser tests must run (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); set RPM_CHROMIUM to its path")
	return ""
}

// startUIServe runs serve with the page's tokens and the fixed clock and
// returns the base URL of /ui/ (http://127.0.0.1:PORT) and the store file.
func startUIServe(t *testing.T) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db := filepath.Join(t.TempDir(), "rpm-adapter.db")
	env := map[string]string{"RPM_API_TOKENS": "nurse:read:" + uiReadToken + ",dr-who:write:" + uiWriteToken}
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := realMain(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--out", t.TempDir(), "--db", db, "--test-now", uiClock},
			pw, io.Discard, func(k string) string { return env[k] })
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), "/fhir")
	return base, db
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1400, 1000), chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	// The first call starts the browser, with no timeout (it would stop
	// the browser); later steps run under one.
	require.NoError(t, chromedp.Do(ctx), "starting chromium")
	tctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(tcancel)
	return tctx
}

func bdo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

func brun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := brun(t, ctx, chromedp.FullScreenshot(100))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	if extra := os.Getenv("RPM_UI_SCREENSHOTS"); extra != "" {
		require.NoError(t, os.WriteFile(filepath.Join(extra, name+".png"), png, 0o644))
	}
	t.Logf("screenshot %s", filepath.Join(dir, name+".png"))
}

func signIn(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	bdo(t, ctx, chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("who")))
}

// pageRow is a worklist row as the browser shows it.
type pageRow struct {
	Patient string `json:"patient"`
	Days    string `json:"days"`
	Minutes string `json:"minutes"`
	Status  string `json:"status"`
}

const readRows = `Array.from(document.querySelectorAll('#worklist tbody tr')).map(tr => ({
	patient: tr.dataset.patient,
	days: (tr.querySelector('[data-days]') || {dataset: {}}).dataset.days || '',
	minutes: (tr.querySelector('[data-minutes]') || {dataset: {}}).dataset.minutes || '',
	status: tr.querySelector('.status').textContent.trim()}))`

// expectedOctober reads the sample's expected.json: the worked cases
// evaluated for 2026-10, with their period's days and the month's minutes.
func expectedOctober(t *testing.T) map[string][2]int {
	t.Helper()
	b, err := os.ReadFile("../../testdata/sample-export/expected.json")
	require.NoError(t, err)
	var doc struct {
		Cases []struct {
			Patient     string `json:"patient"`
			Evaluations []struct {
				Month   string `json:"month"`
				Periods []struct {
					Days int `json:"days"`
				} `json:"periods"`
				Months []struct {
					Minutes int `json:"minutes"`
				} `json:"months"`
			} `json:"evaluations"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	out := map[string][2]int{}
	for _, c := range doc.Cases {
		for _, e := range c.Evaluations {
			if e.Month == "2026-10" && len(e.Periods) == 1 && len(e.Months) == 1 {
				out[c.Patient] = [2]int{e.Periods[0].Days, e.Months[0].Minutes}
			}
		}
	}
	require.Greater(t, len(out), 20)
	return out
}

func TestUIInABrowser(t *testing.T) {
	chromium(t)
	base, _ := startUIServe(t)
	ctx := newBrowser(t)
	shots := t.TempDir()

	t.Run("sign in", func(t *testing.T) {
		bdo(t, ctx, chromedp.Navigate(base+"/ui/?month=2026-10"), chromedp.WaitVisible(chromedp.ID("token")))
		assert.Contains(t, brun(t, ctx, chromedp.Location()), "/ui/signin", "the worklist needs a sign-in when tokens are configured")
		screenshot(t, ctx, shots, "signin")
		signIn(t, ctx, base, uiWriteToken)
		assert.Equal(t, "dr-who", brun(t, ctx, chromedp.Text(chromedp.ID("who"))))
	})

	t.Run("worklist of the embedded sample", func(t *testing.T) {
		bdo(t, ctx, chromedp.Navigate(base+"/ui/?month=2026-10"), chromedp.WaitVisible(chromedp.ID("worklist")))
		rows := brun(t, ctx, chromedp.Evaluate[[]pageRow](readRows))
		screenshot(t, ctx, shots, "worklist")
		// The top of the page, the window's size: the README's picture.
		top := brun(t, ctx, chromedp.CaptureScreenshot())
		require.NoError(t, os.WriteFile(filepath.Join(shots, "worklist-top.png"), top, 0o644))
		if extra := os.Getenv("RPM_UI_SCREENSHOTS"); extra != "" {
			require.NoError(t, os.WriteFile(filepath.Join(extra, "worklist-top.png"), top, 0o644))
		}
		assert.Equal(t, "55", brun(t, ctx, chromedp.Text(chromedp.ID("sum-patients"))))
		want := expectedOctober(t)
		// The worked cases, in the page's order, with the page's days and
		// minutes; everything is closed as of 2026-11-01, so the order is
		// out of reach (fewer than 16 days) before met, then days and
		// minutes, most first, then the id.
		var got []string
		for _, r := range rows {
			w, ok := want[r.Patient]
			if !ok {
				continue
			}
			got = append(got, r.Patient)
			assert.Equal(t, fmt.Sprint(w[0]), r.Days, "%s: days", r.Patient)
			assert.Equal(t, fmt.Sprint(w[1]), r.Minutes, "%s: minutes", r.Patient)
			if w[0] >= 16 {
				assert.Equal(t, "met", r.Status, r.Patient)
			} else {
				assert.Equal(t, "out of reach", r.Status, r.Patient)
			}
		}
		var order []string
		for p := range want {
			order = append(order, p)
		}
		slices.SortFunc(order, func(a, b string) int {
			wa, wb := want[a], want[b]
			ra, rb := min(wa[0]/16, 1), min(wb[0]/16, 1)
			switch {
			case ra != rb:
				return ra - rb
			case wa[0] != wb[0]:
				return wb[0] - wa[0]
			case wa[1] != wb[1]:
				return wb[1] - wa[1]
			}
			return strings.Compare(a, b)
		})
		assert.Equal(t, order, got, "the worked cases' order")
	})

	t.Run("patient page of wc-c06", func(t *testing.T) {
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c06?month=2026-10"), chromedp.WaitVisible(chromedp.ID("calendar")))
		cells := brun(t, ctx, chromedp.Evaluate[[]map[string]string](`Array.from(document.querySelectorAll('#calendar td')).map(td => ({date: td.dataset.date, readings: td.dataset.readings, cls: td.className}))`))
		screenshot(t, ctx, shots, "patient-wc-c06")
		require.Len(t, cells, 30)
		last := cells[29]
		// C6: a reading at 23:30 Chicago time on 30 October, the period's
		// last day (31 October in UTC), counts on the 30th.
		assert.Equal(t, "2026-10-30", last["date"])
		assert.NotEqual(t, "0", last["readings"], "the late-evening reading on the period's last day")
		assert.Contains(t, last["cls"], "data")
		assert.Contains(t, last["cls"], "last")
	})

	t.Run("sign-off survives a reload", func(t *testing.T) {
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c06?month=2026-10"), chromedp.WaitVisible(chromedp.ID("approve-patient")),
			chromedp.Click(chromedp.ID("approve-patient")), chromedp.WaitVisible(chromedp.ID("notice")))
		assert.Equal(t, "Approved 1 code line.", brun(t, ctx, chromedp.Text(chromedp.ID("notice"))))
		bdo(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("calendar")))
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c06?month=2026-10"), chromedp.WaitVisible(chromedp.ID("calendar")))
		state := brun(t, ctx, chromedp.AttributeValue(chromedp.CSS(".lines td.state"), "data-state"))
		assert.Equal(t, "approved", state.Value, "after a reload")
		screenshot(t, ctx, shots, "signed-off")
		bdo(t, ctx, chromedp.Navigate(base+"/ui/?month=2026-10"), chromedp.WaitVisible(chromedp.ID("worklist")))
		assert.Equal(t, "1", brun(t, ctx, chromedp.Text(chromedp.ID("sum-approved"))))
	})

	t.Run("a cross-site form post is refused", func(t *testing.T) {
		// A page on another site (localhost is another site than
		// 127.0.0.1) with a form aimed at the sign-off of wc-c05's line.
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c05?month=2026-10"), chromedp.WaitVisible(chromedp.ID("approve-patient")))
		line := brun(t, ctx, chromedp.AttributeValue(chromedp.CSS("form.signoff input[name=line]"), "value")).Value
		require.NotEmpty(t, line)
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<form method="post" action="%s/ui/approve"><input type="hidden" name="line" value="%s">
<input type="hidden" name="back" value="/ui/"><button id="go" type="submit">Win a prize</button></form>`, base, line)
		}))
		defer evil.Close()
		evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
		bdo(t, ctx, chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.ID("go")), chromedp.Click(chromedp.ID("go")),
			chromedp.Sleep(500*time.Millisecond), chromedp.WaitReady(chromedp.CSS("body")))
		body := brun(t, ctx, chromedp.Text(chromedp.CSS("body")))
		screenshot(t, ctx, shots, "cross-site-refused")
		assert.Contains(t, body, "cross-origin requests that change state are refused")
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c05?month=2026-10"), chromedp.WaitVisible(chromedp.ID("calendar")))
		state := brun(t, ctx, chromedp.AttributeValue(chromedp.CSS(".lines td.state"), "data-state"))
		assert.Equal(t, "billable", state.Value, "the cross-site post changed nothing")
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		bdo(t, ctx, chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.ID("signout")))
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		require.NoError(t, err)
		var session *network.Cookie
		for _, c := range res.Cookies {
			if c.Name == "rpm_session" {
				session = c
			}
		}
		require.NotNil(t, session)
		assert.True(t, session.HTTPOnly)
		assert.Equal(t, network.CookieSameSiteStrict, session.SameSite)
		bdo(t, ctx, chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("message")))
		assert.Equal(t, "You are signed out.", brun(t, ctx, chromedp.Text(chromedp.ID("message"))))
		screenshot(t, ctx, shots, "signed-out")
		bdo(t, ctx, chromedp.Navigate(base+"/ui/?month=2026-10"), chromedp.WaitVisible(chromedp.ID("token")))
		assert.Contains(t, brun(t, ctx, chromedp.Location()), "/ui/signin")
		// The old cookie names no session any more: the server ended it.
		req, _ := http.NewRequest(http.MethodGet, base+"/ui/?month=2026-10", nil)
		req.AddCookie(&http.Cookie{Name: "rpm_session", Value: session.Value})
		hres, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		require.NoError(t, err)
		hres.Body.Close()
		assert.Equal(t, http.StatusSeeOther, hres.StatusCode)
		u, _ := url.Parse(hres.Header.Get("Location"))
		assert.Equal(t, "/ui/signin", u.Path)
	})

	t.Run("the read role sees no sign-off", func(t *testing.T) {
		signIn(t, ctx, base, uiReadToken)
		bdo(t, ctx, chromedp.Navigate(base+"/ui/patient/wc-c05?month=2026-10"), chromedp.WaitVisible(chromedp.ID("calendar")))
		n := brun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('form.signoff, form[action="/ui/reject"]').length`))
		assert.Zero(t, n)
		assert.Equal(t, "nurse", brun(t, ctx, chromedp.Text(chromedp.ID("who"))))
	})
}
