package fhirmap

import (
	"strings"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperationOutcomeListsIssuesAndNotesAndValidates(t *testing.T) {
	w, err := NewWriter(WriteOptions{Tenant: "t"})
	require.NoError(t, err)
	js, err := w.OperationOutcome("p-1", "2026-10", []Issue{
		{ResourceType: "Observation", ID: "o-1", Path: "Observation.effective", Code: CodeMissingEffective,
			Severity: SeverityError, Message: "The Observation has no effective time; it was skipped.", Line: 7},
	}, []Note{{Severity: SeverityWarning, Code: "not-evaluated", Message: "no time zone"}})
	require.NoError(t, err)
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	require.NoError(t, err)
	_, err = u.Unmarshal(js)
	require.NoError(t, err, string(js))
	s := string(js)
	assert.Contains(t, s, `"Patient/p-1"`)
	assert.Contains(t, s, "Observation/o-1 (line 7)")
	assert.Contains(t, s, "not-evaluated")
	assert.Equal(t, 1, strings.Count(s, `"expression"`))

	again, err := w.OperationOutcome("p-1", "2026-10", []Issue{{Code: "x", Message: "m", Severity: SeverityInformation}}, nil)
	require.NoError(t, err)
	assert.Regexp(t, `"id":"rpm-oo-[0-9a-f]{16}"`, string(again))
}

func TestOperationOutcomeIsNilWithNothingToSay(t *testing.T) {
	w, err := NewWriter(WriteOptions{})
	require.NoError(t, err)
	js, err := w.OperationOutcome("p-1", "2026-10", nil, nil)
	require.NoError(t, err)
	assert.Nil(t, js)
}

func TestExportOutcomeCountsOutOfScopeAndListsProblems(t *testing.T) {
	w, err := NewWriter(WriteOptions{Tenant: "t"})
	require.NoError(t, err)
	var issues []Issue
	for i := 0; i < 5; i++ {
		issues = append(issues, Issue{ResourceType: "Device", Code: CodeUnknownResourceType,
			Severity: SeverityInformation, Message: "The adapter does not read this resource type; it was skipped."})
	}
	issues = append(issues, Issue{Code: CodeMalformedJSON, Severity: SeverityError, Line: 3,
		Message: "The line is not valid JSON; it was skipped."})
	js, err := w.ExportOutcome("2026-10", issues)
	require.NoError(t, err)
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	require.NoError(t, err)
	_, err = u.Unmarshal(js)
	require.NoError(t, err, string(js))
	s := string(js)
	assert.Contains(t, s, "5 Device not read")
	assert.Contains(t, s, "(line 3)")
	assert.NotContains(t, s, "rpm-subject")

	none, err := w.ExportOutcome("2026-10", nil)
	require.NoError(t, err)
	assert.Nil(t, none)
}
