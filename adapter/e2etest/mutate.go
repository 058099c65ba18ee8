package e2etest

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"
)

// ReadingDays groups a patient's Observations by local date in zone (from
// effectiveDateTime or effectiveInstant), for dates in [from, to].
func ReadingDays(ctx context.Context, srv *Server, patient, zone, from, to string) (map[string][]string, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	obs, err := srv.Search(ctx, "Observation", url.Values{"subject": {"Patient/" + patient}})
	if err != nil {
		return nil, err
	}
	days := map[string][]string{}
	for _, o := range obs {
		v := o.str("effectiveDateTime")
		if v == "" {
			v = o.str("effectiveInstant")
		}
		ts, err := time.Parse(time.RFC3339, v)
		if err != nil || o.Status() == "entered-in-error" {
			continue
		}
		d := ts.In(loc).Format(time.DateOnly)
		if d >= from && d <= to {
			days[d] = append(days[d], o.ID)
		}
	}
	return days, nil
}

// EnterDayInError sets every Observation of one local date of the patient
// (the date in [from, to] with the fewest readings) to entered-in-error on
// the server, so that the patient loses exactly one day with data. It
// returns the date.
func EnterDayInError(ctx context.Context, srv *Server, patient, zone, from, to string) (string, error) {
	days, err := ReadingDays(ctx, srv, patient, zone, from, to)
	if err != nil {
		return "", err
	}
	if len(days) == 0 {
		return "", fmt.Errorf("no readings of %s between %s and %s", patient, from, to)
	}
	dates := slices.Sorted(maps.Keys(days))
	best := dates[0]
	for _, d := range dates {
		if len(days[d]) < len(days[best]) {
			best = d
		}
	}
	for _, id := range days[best] {
		if _, err := srv.Modify(ctx, "Observation", id, func(m map[string]any) { m["status"] = "entered-in-error" }); err != nil {
			return "", err
		}
	}
	return best, nil
}
