package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2/hl7v2test"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// serve's $rpm-billing-export over the store an evaluation filled: the
// write role gets the batch as the file, recorded under its token label,
// and the CLI rebuilds the same bytes.
func TestServeBillingExportAnswersTheBatchFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	out := evaluateInto(t, db, "")
	const token = "ehr-token-0123456789abcdef"
	base, stop := startServe(t, map[string]string{"RPM_API_TOKENS": "ehr:write:" + token + ",dash:read:dash-token-0123456789abcdef"},
		"--db", db, "--hl7-receiving-application", "EPIC")
	defer func() { require.Equal(t, exitOK, stop()) }()

	post := func(query, tok string) (*http.Response, string) {
		r, err := http.NewRequest(http.MethodPost, base+"/$rpm-billing-export?"+query, nil)
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/fhir+json")
		r.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		return res, string(b)
	}
	res, _ := post("month=2026-10&format=csv", "dash-token-0123456789abcdef")
	require.Equal(t, http.StatusForbidden, res.StatusCode, "the read role may not export")

	res, body := post("month=2026-10&format=csv", token)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	require.Equal(t, "1", res.Header.Get("X-Export-Batch"))
	require.Len(t, csvRows(t, body), 1+len(billableChargeItems(t, out)))

	res, hl7 := post("month=2026-10&format=hl7v2", token)
	require.Equal(t, http.StatusOK, res.StatusCode, hl7)
	require.Equal(t, "application/hl7-v2; charset=utf-8", res.Header.Get("Content-Type"))
	require.Empty(t, hl7v2test.Parse(t, []byte(hl7)).Messages, "the CSV took every line")

	code, again, errs := run(t, nil, "export", "--db", db, "--rebuild", "1")
	require.Equal(t, 0, code, errs)
	require.Equal(t, body, again)
	st, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	b, err := st.ExportBatch(context.Background(), "default", 1)
	require.NoError(t, err)
	require.Equal(t, "ehr", b.RequestedBy)
	require.False(t, strings.Contains(b.RequestedBy, token))
}
