package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeRefusesABadScheduleWithOneLine(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"bad time":          {[]string{"--schedule-group", "g1", "--schedule-at", "25:00"}, `--schedule-at "25:00" is not a time of day HH:MM`},
		"no minutes":        {[]string{"--schedule-group", "g1", "--schedule-at", "2"}, `--schedule-at "2" is not a time of day HH:MM`},
		"no time":           {[]string{"--schedule-group", "g1"}, "--schedule-group needs --schedule-at HH:MM"},
		"no group":          {[]string{"--schedule-at", "02:00"}, "--schedule-at needs --schedule-group"},
		"bad group":         {[]string{"--schedule-group", "a/b", "--schedule-at", "02:00"}, `--schedule-group "a/b" is not a FHIR id`},
		"bad zone":          {[]string{"--schedule-group", "g1", "--schedule-at", "02:00", "--service-timezone", "Mars/Olympus"}, `--service-timezone "Mars/Olympus" is not an IANA time zone`},
		"no store":          {[]string{"--schedule-group", "g1", "--schedule-at", "02:00", "--db", ""}, "--schedule-group needs --db"},
		"bad time from env": {[]string{"--schedule-group", "g1"}, `--schedule-at "7pm" is not a time of day HH:MM`},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			if name == "bad time from env" {
				env["RPM_SCHEDULE_AT"] = "7pm"
			}
			code, _, errs := run(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errs, c.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %q", errs)
		})
	}
}

func TestScheduleFlagsMakeTheDailySchedule(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	f := scheduleFlags{groups: stringList{"g1", "g2", "g1"}, at: "02:30", write: true}
	s, err := f.schedule(ny, &dbFlags{dsn: "x.db"})
	require.NoError(t, err)
	assert.Equal(t, []string{"g1", "g2"}, s.Groups)
	assert.Equal(t, 2, s.Hour)
	assert.Equal(t, 30, s.Minute)
	assert.Equal(t, ny, s.Location)
	assert.True(t, s.Write)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, ny)
	assert.Equal(t, time.Date(2026, 12, 2, 2, 30, 0, 0, ny), s.Next(now))

	s, err = (&scheduleFlags{}).schedule(nil, &dbFlags{})
	require.NoError(t, err)
	assert.Nil(t, s, "no schedule without --schedule-group")
}

func TestServeStartsWithASchedule(t *testing.T) {
	base, stop := startServe(t, map[string]string{"RPM_SCHEDULE_GROUP": "rpm-cohort,other"},
		"--schedule-at", "03:15", "--service-timezone", "Europe/Berlin")
	res, err := http.Get(base + "/metadata")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, exitOK, stop())
}
