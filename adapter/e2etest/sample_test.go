package e2etest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceWordLeavesLongerIDsAlone(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"the id, a reference and a derived id",
			`{"id":"wc-c11","r":"Patient/wc-c11","o":"obs-wc-c11-00001"}`,
			`{"id":"P-wc-c11","r":"Patient/P-wc-c11","o":"obs-P-wc-c11-00001"}`},
		{"a longer id is another patient", `{"r":"Patient/wc-c11a"}`, `{"r":"Patient/wc-c11a"}`},
		{"adjacent occurrences", "wc-c11 wc-c11", "P-wc-c11 P-wc-c11"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, replaceWord(c.in, "wc-c11", "P-wc-c11"))
		})
	}
}

func TestSampleIsCutByPatient(t *testing.T) {
	s, err := LoadSample()
	require.NoError(t, err)
	assert.Len(t, s.Patients, 55)
	assert.Len(t, s.Shared, 10, "4 Organizations (two clinics, two payers) and 6 Practitioners")
	n := 0
	for _, p := range s.Patients {
		n += len(s.Lines[p])
	}
	assert.Equal(t, 2050-1-10, n, "every line but the Group and the shared ones belongs to a patient")

	lines, err := s.Prefixed("wc-c11a", "e2e0-")
	require.NoError(t, err)
	for _, l := range lines {
		assert.NotContains(t, strings.ReplaceAll(l, "e2e0-wc-c11a", ""), "wc-c11a", "every occurrence is prefixed")
		assert.NotContains(t, l, "wc-c11b")
	}
	assert.Contains(t, strings.Join(lines, "\n"), `"reference":"Practitioner/prac-rn-`, "shared references unchanged")
}
