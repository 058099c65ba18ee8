package watch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

func TestEachTypeNamesItsPatient(t *testing.T) {
	cases := map[string]string{
		`{"resourceType":"Observation","id":"o","subject":{"reference":"Patient/p1"}}`:               "p1",
		`{"resourceType":"Observation","id":"o","subject":{"reference":"Patient/p1/_history/3"}}`:    "p1",
		`{"resourceType":"Observation","id":"o","subject":{"reference":"Group/g1"}}`:                 "",
		`{"resourceType":"Observation","id":"o","subject":{"reference":"https://x.org/Patient/p1"}}`: "",
		`{"resourceType":"EpisodeOfCare","id":"e","patient":{"reference":"Patient/p2"}}`:             "p2",
		`{"resourceType":"Coverage","id":"c","beneficiary":{"reference":"Patient/p3"}}`:              "p3",
		`{"resourceType":"Patient","id":"p4"}`:                                                       "p4",
		`{"resourceType":"Communication","id":"c"}`:                                                  "",
	}
	for raw, want := range cases {
		var c changed
		require.NoError(t, json.Unmarshal([]byte(raw), &c))
		assert.Equal(t, want, c.patient(), raw)
	}
}

func TestOwnChargeItemsAreNoChange(t *testing.T) {
	var c changed
	require.NoError(t, json.Unmarshal([]byte(`{"resourceType":"ChargeItem","id":"x","meta":{"tag":[{"system":"https://s/CodeSystem/rpm-adapter","code":"generated"}]}}`), &c))
	assert.True(t, c.ours("https://s/CodeSystem/rpm-adapter"))
	assert.False(t, c.ours("https://other/CodeSystem/rpm-adapter"))
}

func TestEarliestPerPatient(t *testing.T) {
	t1 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	t0 := t1.Add(-time.Hour)
	got := earliestPerPatient([]adapter.WatchItem{{PatientID: "a", Seen: t1, Reason: "change"}, {PatientID: "b", Reason: "new_member"},
		{PatientID: "a", Seen: t0, Reason: "change"}, {PatientID: "a", Reason: "change"}})
	assert.Equal(t, []adapter.WatchItem{{PatientID: "a", Seen: t0, Reason: "change"}, {PatientID: "b", Reason: "new_member"}}, got)
}

func TestLaterComparesInstantsNotText(t *testing.T) {
	assert.True(t, later("2026-12-01T10:00:00.5+00:00", "2026-12-01T10:00:00.123+00:00"))
	assert.True(t, later("2026-12-01T06:00:01-04:00", "2026-12-01T10:00:00Z"))
	assert.False(t, later("2026-12-01T09:59:59Z", "2026-12-01T10:00:00+00:00"))
	assert.False(t, later("garbage", "2026-12-01T10:00:00Z"))
	assert.True(t, later("2026-12-01T10:00:00Z", ""))
}

func TestSubscriptionIDsAreDeterministic(t *testing.T) {
	a := SubscriptionID("default", "https://rpm/fhir/_watch/notify", DefaultCriteria[0])
	assert.Equal(t, a, SubscriptionID("default", "https://rpm/fhir/_watch/notify", DefaultCriteria[0]))
	assert.NotEqual(t, a, SubscriptionID("default", "https://rpm/fhir/_watch/notify", DefaultCriteria[1]))
	assert.NotEqual(t, a, SubscriptionID("other", "https://rpm/fhir/_watch/notify", DefaultCriteria[0]))
	assert.LessOrEqual(t, len(a), 64)
}
