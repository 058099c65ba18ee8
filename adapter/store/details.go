package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// A window's details are JSON columns of its row (migration 0001 documents
// the shapes): a recording writes one row per window instead of one per day
// with data, which kept SQLite from doubling a population run's time.

type dayJSON struct {
	Date     string `json:"date"`
	Readings int    `json:"readings"`
}

type activityJSON struct {
	Ref             string    `json:"ref"`
	Start           time.Time `json:"start"`
	DurationSeconds int64     `json:"duration_seconds"`
	Medium          string    `json:"medium"`
	Interactive     bool      `json:"interactive"`
	Counted         bool      `json:"counted"`
}

type findingJSON struct {
	Code    string `json:"code"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"`
}

func marshalList[T, W any](in []T, conv func(T) W) (string, error) {
	out := make([]W, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// daysJSON writes the days itself, the bytes encoding/json would (a test
// holds it to that): dates and counts need no escaping, and reflection was
// most of a recording's JSON.
func daysJSON(ds []DayCount) (string, error) {
	b := make([]byte, 0, 2+len(ds)*len(`{"date":"2026-10-15","readings":1},`))
	b = append(b, '[')
	for i, d := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"date":"`...)
		b = append(b, d.Date.String()...)
		b = append(b, `","readings":`...)
		b = strconv.AppendInt(b, int64(d.Readings), 10)
		b = append(b, '}')
	}
	return string(append(b, ']')), nil
}

func activitiesJSON(as []Activity) (string, error) {
	return marshalList(as, func(a Activity) activityJSON {
		return activityJSON{a.Ref, a.Start.UTC(), int64(a.Duration / time.Second), a.Medium, a.Interactive, a.Counted}
	})
}

func findingsJSON(fs []rules.Finding) (string, error) {
	return marshalList(fs, func(f rules.Finding) findingJSON { return findingJSON{f.Code, f.Rule, f.Message, f.Ref} })
}

func unmarshalList[W, T any](b []byte, conv func(W) (T, error)) ([]T, error) {
	var ws []W
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("store: stored details are not JSON: %w", err)
	}
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]T, len(ws))
	for i, w := range ws {
		v, err := conv(w)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func parseDays(b []byte) ([]DayCount, error) {
	return unmarshalList(b, func(w dayJSON) (DayCount, error) {
		d, err := rules.ParseDate(w.Date)
		if err != nil {
			return DayCount{}, fmt.Errorf("store: a stored day is not YYYY-MM-DD")
		}
		return DayCount{Date: d, Readings: w.Readings}, nil
	})
}

func parseActivities(b []byte) ([]Activity, error) {
	return unmarshalList(b, func(w activityJSON) (Activity, error) {
		return Activity{Ref: w.Ref, Start: w.Start.UTC(), Duration: time.Duration(w.DurationSeconds) * time.Second,
			Medium: w.Medium, Interactive: w.Interactive, Counted: w.Counted}, nil
	})
}

func parseFindings(b []byte) ([]rules.Finding, error) {
	return unmarshalList(b, func(w findingJSON) (rules.Finding, error) {
		return rules.Finding{Code: w.Code, Rule: w.Rule, Message: w.Message, Ref: w.Ref}, nil
	})
}
