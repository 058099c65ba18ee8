package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// watchZone is the time zone of the watch tests' patients.
const watchZone = "America/New_York"

// watchPatient is one synthetic patient of the watch tests: an RPM episode
// that started `age` days ago (so its first 30-day period is open today
// when age < 30), a device, and one reading on each of `days` consecutive
// days from the episode's start.
type watchPatient struct {
	ID    string
	Start time.Time // local midnight of the episode's first day
}

func putWatchPatient(t *testing.T, ctx context.Context, srv *e2etest.Server, id string, age, days int) watchPatient {
	t.Helper()
	loc, err := time.LoadLocation(watchZone)
	require.NoError(t, err)
	now := time.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -age)
	lines := []string{
		fmt.Sprintf(`{"resourceType":"Patient","id":%q,"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":%q}],"active":true}`, id, watchZone),
		fmt.Sprintf(`{"resourceType":"Device","id":"dev-%s","status":"active","type":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"528391"}]},"patient":{"reference":"Patient/%s"}}`, id, id),
		fmt.Sprintf(`{"resourceType":"EpisodeOfCare","id":"eoc-%s","status":"active","type":[{"coding":[{"system":"http://rpm-adapter.org/fhir/CodeSystem/program","code":"rpm"}]}],"patient":{"reference":"Patient/%s"},"period":{"start":%q}}`,
			id, id, start.Format(time.DateOnly)),
	}
	for d := range days {
		lines = append(lines, watchObservation(id, fmt.Sprintf("obs-%s-%d", id, d), start.AddDate(0, 0, d).Add(9*time.Hour)))
	}
	tx, err := e2etest.TransactionOfPuts(lines)
	require.NoError(t, err)
	_, err = srv.Transaction(ctx, tx)
	require.NoError(t, err)
	return watchPatient{ID: id, Start: start}
}

// watchObservation is a blood pressure reading from the patient's device.
func watchObservation(patient, id string, at time.Time) string {
	return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final",`+
		`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],`+
		`"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/%s"},`+
		`"effectiveDateTime":%q,"device":{"reference":"Device/dev-%s"},`+
		`"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":128,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},`+
		`{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":79,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
		id, patient, at.Format(time.RFC3339), patient)
}

// postReading adds one reading at `at` with POST (a server id), as a device
// gateway would.
func postReading(t *testing.T, ctx context.Context, srv *e2etest.Server, patient string, at time.Time) {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(watchObservation(patient, "x", at)), &m))
	delete(m, "id")
	b, err := json.Marshal(m)
	require.NoError(t, err)
	_, _, err = srv.Do(ctx, http.MethodPost, "Observation", b, http.Header{"Content-Type": {"application/fhir+json"}})
	require.NoError(t, err)
}

// openReport is the patient's device-days MeasureReport of the open period
// on the server: its score (days) and the Task's description, "" when
// absent.
func openReport(t *testing.T, ctx context.Context, srv *e2etest.Server, patient string) (days, task string) {
	t.Helper()
	mrs, err := srv.Search(ctx, "MeasureReport", url.Values{"subject": {"Patient/" + patient}})
	require.NoError(t, err)
	for _, r := range mrs {
		if strings.HasSuffix(r.Measure(), fhirmap.PathMeasureDevice) && r.Status() != "complete" {
			days = r.Score()
		}
	}
	tasks, err := srv.Search(ctx, "Task", url.Values{"patient": {"Patient/" + patient}})
	require.NoError(t, err)
	for _, r := range tasks {
		if r.Code() == fhirmap.TaskCodeDeviceDays && r.Status() != "completed" && r.Status() != "cancelled" {
			if d, ok := r.JSON["description"].(string); ok {
				task = d
			}
		}
	}
	return days, task
}

// watchWait polls cond every 250 ms until it holds or the time is up, and
// returns how long it took.
func watchWait(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
	return 0
}

// metricValue sums a Prometheus series (all label sets matching the
// labels given, e.g. `outcome="evaluated"`) from /metrics.
func metricValue(t *testing.T, api, name, labels string) float64 {
	t.Helper()
	base := strings.TrimSuffix(api, "/fhir")
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e2eWriteSecret)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || strings.HasPrefix(line, "#") {
			continue
		}
		rest := line[len(name):]
		if rest != "" && rest[0] != '{' && rest[0] != ' ' {
			continue // a longer name
		}
		if labels != "" && !strings.Contains(rest, labels) {
			continue
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		require.NoError(t, err)
		sum += v
	}
	return sum
}

// freePort is a loopback port free now (for a --public-url known before
// the service starts).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// watchServe runs serve watching group, with a store file of its own that
// a restart can reuse.
func watchServe(t *testing.T, db string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	return serveE2E(t, e2eWriter, append([]string{"--db", db}, args...)...)
}

// TestE2EWatchPollingUpdatesOpenPeriod: polling alone (no subscriptions,
// an interval of 3 s): a new Observation for a watched patient whose period
// is open changes the MeasureReport's days by one and the Task's text on
// HAPI within two intervals.
func TestE2EWatchPollingUpdatesOpenPeriod(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	p := putWatchPatient(t, ctx, srv, pre+"p1", 9, 5)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p.ID}))

	const interval = 3 * time.Second
	api, logs, _ := watchServe(t, filepath.Join(t.TempDir(), "w.db"), "--fhir-base", srv.Base, "--watch-group", group,
		"--watch-interval", interval.String(), "--debounce", "1s", "--write")

	// The first cycle of a new watch evaluates every member once: as of
	// today, then this month and last month (Watcher.Reevaluate). The open
	// period's MeasureReport is on HAPI after the first of the three, but a
	// reading posted then is read by the later ones when the period ends
	// this month, and this test is about the poll finding it: wait for all
	// three.
	watchWait(t, 30*time.Second, "the first evaluation", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 1
	})
	days0, task0 := openReport(t, ctx, srv, p.ID)
	require.Equal(t, "5", days0, logs.String())
	require.NotEmpty(t, task0, "an open period that can still reach 16 days has a Task")

	postReading(t, ctx, srv, p.ID, time.Now())
	took := watchWait(t, 2*interval+2*time.Second, "the MeasureReport's days after a new reading", func() bool {
		d, _ := openReport(t, ctx, srv, p.ID)
		return d == "6"
	})
	_, task1 := openReport(t, ctx, srv, p.ID)
	assert.NotEqual(t, task0, task1, "the Task's text follows the days")
	t.Logf("POST Observation to updated MeasureReport on HAPI: %s (interval %s)", took.Round(100*time.Millisecond), interval)
	assert.GreaterOrEqual(t, metricValue(t, api, "rpm_watch_changes_total", `type="Observation"`), 1.0, logs.String())
	assert.NotContains(t, logs.String(), p.ID, "no patient id in the logs")
}

// watchStatus reads GET /fhir/_watch.
func watchStatus(t *testing.T, api string) map[string]any {
	t.Helper()
	code, _, body := apiCall(t, http.MethodGet, api+"/_watch", e2eWriteSecret, nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	return m
}

// cyclesOK waits until the service has finished n poll cycles.
func cyclesOK(t *testing.T, api string, n float64, within time.Duration) {
	t.Helper()
	watchWait(t, within, fmt.Sprintf("%v poll cycles", n), func() bool {
		return metricValue(t, api, "rpm_watch_poll_cycles_total", `outcome="ok"`) >= n
	})
}

// TestE2EWatchRestartResumesFromCursor: a restart resumes from the stored
// cursors: what changed while the service was down is evaluated (a new
// reading, a new Group member), and nobody else is evaluated again.
func TestE2EWatchRestartResumesFromCursor(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	p1 := putWatchPatient(t, ctx, srv, pre+"p1", 9, 5)
	p2 := putWatchPatient(t, ctx, srv, pre+"p2", 9, 4)
	p3 := putWatchPatient(t, ctx, srv, pre+"p3", 9, 3)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p1.ID, p2.ID}))
	db := filepath.Join(t.TempDir(), "w.db")
	// An overlap of 1 s: after a restart the watch queues again what
	// changed within the overlap before its cursor (duplicates, harmless),
	// and this test wants to see that nothing else is evaluated.
	args := []string{"--fhir-base", srv.Base, "--watch-group", group, "--watch-interval", "2s", "--debounce", "1s", "--write",
		"--watch-overlap", "1s"}

	api, logs, stop := watchServe(t, db, args...)
	watchWait(t, 30*time.Second, "the first evaluation of both members", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 2
	})
	assert.Equal(t, 2.0, metricValue(t, api, "rpm_watch_patients_queued_total", `reason="first_cycle"`), logs.String())
	st := watchStatus(t, api)
	require.Len(t, st["groups"], 1)
	cursors := st["groups"].([]any)[0].(map[string]any)["cursors"].(map[string]any)
	assert.Contains(t, cursors, "Observation")
	require.Equal(t, 0, stop())
	time.Sleep(1500 * time.Millisecond) // past the overlap

	// While it is down: a reading for p1, and p3 joins the group.
	postReading(t, ctx, srv, p1.ID, time.Now())
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p1.ID, p2.ID, p3.ID}))

	api, logs, _ = watchServe(t, db, args...)
	watchWait(t, 30*time.Second, "p1's new day on HAPI after the restart", func() bool {
		d, _ := openReport(t, ctx, srv, p1.ID)
		return d == "6"
	})
	watchWait(t, 30*time.Second, "the new member's first evaluation", func() bool {
		d, _ := openReport(t, ctx, srv, p3.ID)
		return d == "3"
	})
	cyclesOK(t, api, 3, 30*time.Second)
	// A re-evaluation writes the open windows first, then this and last
	// month's: wait for the whole of both.
	watchWait(t, 60*time.Second, "both re-evaluations done", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 2
	})
	cyclesOK(t, api, metricValue(t, api, "rpm_watch_poll_cycles_total", `outcome="ok"`)+2, 30*time.Second)
	assert.Equal(t, 0.0, metricValue(t, api, "rpm_watch_patients_queued_total", `reason="first_cycle"`), "nobody is evaluated again in full")
	assert.Equal(t, 1.0, metricValue(t, api, "rpm_watch_patients_queued_total", `reason="new_member"`))
	assert.Equal(t, 2.0, metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`),
		"p1 (its reading) and p3 (new), not p2: %s", logs.String())
}

// TestE2EWatchDebounce: 100 new readings for one patient within about 10
// seconds make at most two evaluations (a --debounce slot of 12 s: the
// burst meets at most two slots), and the last one counts every reading.
func TestE2EWatchDebounce(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	p := putWatchPatient(t, ctx, srv, pre+"p1", 20, 2)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p.ID}))
	api, logs, _ := watchServe(t, filepath.Join(t.TempDir(), "w.db"), "--fhir-base", srv.Base, "--watch-group", group,
		"--watch-interval", "2s", "--debounce", "12s", "--write")
	watchWait(t, 40*time.Second, "the first evaluation", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 1
	})
	base := metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`)
	require.Equal(t, 1.0, base)

	// 100 readings over the 18 days since the second: 16 new days.
	start := time.Now()
	work := make(chan int)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range work {
				postReading(t, ctx, srv, p.ID, p.Start.AddDate(0, 0, 2+i%18).Add(time.Duration(8+i/18)*time.Hour))
			}
		}()
	}
	for i := range 100 {
		work <- i
	}
	close(work)
	for range 4 {
		<-done
	}
	burst := time.Since(start)
	t.Logf("100 readings posted in %s", burst.Round(100*time.Millisecond))
	watchWait(t, 60*time.Second, "the 20 days on HAPI", func() bool {
		d, _ := openReport(t, ctx, srv, p.ID)
		return d == "20"
	})
	// Two more slots and cycles: nothing else may come.
	time.Sleep(14 * time.Second)
	n := metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) - base
	assert.GreaterOrEqual(t, n, 1.0)
	assert.LessOrEqual(t, n, 2.0, "100 readings within %s made %v evaluations: %s", burst, n, logs.String())
	assert.Equal(t, 0.0, metricValue(t, api, "rpm_watch_poll_cycles_total", `outcome="failed"`), "%s", logs.String())
	assert.Equal(t, 100.0, metricValue(t, api, "rpm_watch_changes_total", `type="Observation",watched="yes"`), "each reading seen once")
}

// e2eSubscriptionSecret is what the watch tests' Subscriptions carry.
const e2eSubscriptionSecret = "e2e-subscription-secret-5e6f7a8b"

// subscribedServe runs serve with --subscribe on a port known in advance
// (the Subscriptions' endpoint) and a poll interval of an hour: after the
// first cycle only notifications bring changes in.
func subscribedServe(t *testing.T, srv *e2etest.Server, group string, extra ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	port := freePort(t)
	env := map[string]string{"RPM_SUBSCRIPTION_SECRET": e2eSubscriptionSecret}
	for k, v := range e2eWriter {
		env[k] = v
	}
	public := fmt.Sprintf("http://127.0.0.1:%d", port)
	api, logs, stop := serveE2E(t, env, append([]string{"--addr", fmt.Sprintf("127.0.0.1:%d", port), "--public-url", public,
		"--fhir-base", srv.Base, "--watch-group", group, "--watch-interval", "1h", "--debounce", "2s", "--write", "--subscribe"}, extra...)...)
	// HAPI activates a Subscription asynchronously after the PUT.
	var ids []string
	watchWait(t, 60*time.Second, "the Subscriptions active on HAPI", func() bool {
		subs, _ := watchStatus(t, api)["subscriptions"].([]any)
		if len(subs) == 0 {
			return false
		}
		ids = ids[:0]
		for _, s := range subs {
			id := s.(map[string]any)["id"].(string)
			ids = append(ids, id)
			r, err := srv.Read(context.Background(), "Subscription", id)
			if err != nil || r.Status() != "active" {
				return false
			}
		}
		return true
	})
	// Other tests share the server: nothing may be delivered to this
	// service once it is gone (runs before serve stops).
	t.Cleanup(func() {
		for _, id := range ids {
			_, _, err := srv.Do(context.Background(), http.MethodDelete, "Subscription/"+id, nil, nil)
			assert.NoError(t, err)
		}
	})
	return api, logs, stop
}

// TestE2EWatchSubscriptionNotifies: subscriptions on, polling every hour: a
// new Observation for a watched patient whose period is open shows in the
// MeasureReport on HAPI within 10 seconds, through HAPI's rest-hook.
func TestE2EWatchSubscriptionNotifies(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	p := putWatchPatient(t, ctx, srv, pre+"p1", 9, 5)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p.ID}))
	// Criteria of this test's patient only: the server is shared.
	api, logs, _ := subscribedServe(t, srv, group, "--subscription-criteria", "Observation?subject=Patient/"+p.ID)
	// All three evaluations of the first cycle, as in
	// TestE2EWatchPollingUpdatesOpenPeriod: a reading posted between them
	// would not need the notification.
	watchWait(t, 30*time.Second, "the first evaluation", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 1
	})
	days0, task0 := openReport(t, ctx, srv, p.ID)
	require.Equal(t, "5", days0, logs.String())

	postReading(t, ctx, srv, p.ID, time.Now())
	took := watchWait(t, 10*time.Second, "the new day on HAPI through the Subscription", func() bool {
		d, _ := openReport(t, ctx, srv, p.ID)
		return d == "6"
	})
	_, task1 := openReport(t, ctx, srv, p.ID)
	assert.NotEqual(t, task0, task1)
	t.Logf("POST Observation to updated MeasureReport on HAPI with a Subscription: %s", took.Round(100*time.Millisecond))
	assert.GreaterOrEqual(t, metricValue(t, api, "rpm_watch_notifications_total", `outcome="queued"`), 1.0, logs.String())
	assert.Equal(t, 1.0, metricValue(t, api, "rpm_watch_poll_cycles_total", `outcome="ok"`), "only the first cycle polled")
}

// TestE2EWatchSubscriptionRefusesForgedAndOutsiders: a notification
// without the secret (or with a wrong one) is refused with 401, and one
// about a patient outside the group is ignored: neither evaluates anybody.
func TestE2EWatchSubscriptionRefusesForgedAndOutsiders(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	p := putWatchPatient(t, ctx, srv, pre+"p1", 9, 5)
	out := putWatchPatient(t, ctx, srv, pre+"out", 9, 5)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p.ID}))
	api, logs, _ := subscribedServe(t, srv, group, "--subscription-criteria", "Observation?subject=Patient/"+p.ID+",Patient/"+out.ID)
	watchWait(t, 30*time.Second, "the first evaluation", func() bool {
		return metricValue(t, api, "rpm_watch_evaluations_total", `outcome="evaluated"`) >= 1
	})
	before := metricValue(t, api, "rpm_watch_evaluations_total", "")

	// Forged: a full Observation of the member, as HAPI would PUT it.
	var obs map[string]any
	require.NoError(t, json.Unmarshal([]byte(watchObservation(p.ID, "forged-1", time.Now())), &obs))
	body, err := json.Marshal(obs)
	require.NoError(t, err)
	for _, hdr := range []map[string]string{nil, {"X-Rpm-Subscription-Secret": "not-the-secret-at-all-0000"}} {
		code, _, resp := apiCall(t, http.MethodPut, api+"/_watch/notify/Observation/forged-1", "", body, hdr)
		assert.Equal(t, http.StatusUnauthorized, code, string(resp))
		assert.Contains(t, string(resp), "OperationOutcome")
	}
	assert.Equal(t, 2.0, metricValue(t, api, "rpm_watch_notifications_total", `outcome="refused"`))

	// An outsider's reading: HAPI notifies, the service ignores it.
	postReading(t, ctx, srv, out.ID, time.Now())
	watchWait(t, 10*time.Second, "HAPI's notification about the outsider", func() bool {
		return metricValue(t, api, "rpm_watch_notifications_total", `outcome="ignored"`) >= 1
	})
	time.Sleep(3 * time.Second) // past a debounce slot
	assert.Equal(t, before, metricValue(t, api, "rpm_watch_evaluations_total", ""), "nobody was evaluated: %s", logs.String())
	assert.Equal(t, 0.0, metricValue(t, api, "rpm_watch_patients_queued_total", `reason="notification"`))
	d, _ := openReport(t, ctx, srv, out.ID)
	assert.Empty(t, d, "the outsider has no MeasureReport")
	d, _ = openReport(t, ctx, srv, p.ID)
	assert.Equal(t, "5", d, "the forged reading changed nothing")
}

// TestE2EWatchEnteredInErrorWithdrawsCharge: an Observation set to
// entered-in-error drops a closed period (16 days) to 15: the watch sets its
// ChargeItem entered-in-error on HAPI and withdraws the store's code line.
func TestE2EWatchEnteredInErrorWithdrawsCharge(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	pre := e2etest.NewPrefix(t)
	// The episode began 35 days ago: its first period closed 6 days ago.
	p := putWatchPatient(t, ctx, srv, pre+"p1", 35, 16)
	group := pre + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, []string{p.ID}))
	db := filepath.Join(t.TempDir(), "w.db")
	_, logs, stop := watchServe(t, db, "--fhir-base", srv.Base, "--watch-group", group, "--watch-interval", "2s", "--debounce", "1s", "--write")
	first := p.Start.Format(time.DateOnly)
	charge := func() string {
		items, err := srv.Search(ctx, "ChargeItem", url.Values{"subject": {"Patient/" + p.ID}})
		require.NoError(t, err)
		for _, r := range items {
			if r.Code() == "99454" && strings.HasPrefix(r.Period(), first) {
				return r.Status()
			}
		}
		return ""
	}
	watchWait(t, 30*time.Second, "the closed period's 99454 billable on HAPI", func() bool { return charge() == "billable" })

	_, err := srv.Modify(ctx, "Observation", fmt.Sprintf("obs-%s-%d", p.ID, 7), func(m map[string]any) { m["status"] = "entered-in-error" })
	require.NoError(t, err)
	watchWait(t, 30*time.Second, "the 99454 withdrawn on HAPI", func() bool { return charge() == "entered-in-error" })

	// The store records the evaluation after the write-back: wait for it
	// there too (a second handle on the service's SQLite file).
	st, err := store.Open(ctx, db, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	line := func() *store.CodeLine {
		lines, err := st.CodeLines(ctx, store.LineFilter{Tenant: "default", PatientID: p.ID})
		require.NoError(t, err)
		for _, l := range lines {
			if l.Code == "99454" && l.WindowStart.String() == first {
				return &l
			}
		}
		return nil
	}
	require.NotNil(t, line(), "the store has the period's 99454 line")
	watchWait(t, 30*time.Second, "the store's 99454 line withdrawn", func() bool { return line().State == store.StateWithdrawn })
	assert.False(t, line().WithdrawnAt.IsZero())
	require.Equal(t, 0, stop(), logs.String())
}
