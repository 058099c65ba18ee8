package bulk

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLineCounterCountsResourcesNotNewlines(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   int64
	}{
		{"an empty file has none", nil, 0},
		{"lines ending in newlines", []string{"{}\n{}\n"}, 2},
		{"a last line without newline still counts", []string{"{}\n{}"}, 2},
		{"blank and whitespace lines do not count", []string{"{}\n\n  \n{}\r\n\n"}, 2},
		{"a line split across writes counts once", []string{`{"a"`, `:1}`, "\n{", "}"}, 2},
		{"a newline arriving alone ends the line", []string{"{}", "\n", "\n"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "x.ndjson"))
			require.NoError(t, err)
			defer f.Close()
			lc := &lineCounter{f: f}
			for _, c := range tt.chunks {
				_, err := lc.Write([]byte(c))
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, lc.total())
		})
	}
}

func TestLineCounterRestartsWithTheFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "x.ndjson"))
	require.NoError(t, err)
	defer f.Close()
	lc := &lineCounter{f: f}
	_, _ = lc.Write([]byte("{}\n{"))
	require.NoError(t, lc.Truncate(0))
	_, err = lc.Seek(0, 0)
	require.NoError(t, err)
	_, _ = lc.Write([]byte("{}\n"))
	assert.EqualValues(t, 1, lc.total())
	assert.Error(t, lc.Truncate(1), "only a restart from zero is supported")
	b, _ := os.ReadFile(f.Name())
	assert.Equal(t, "{}\n", string(b))
}

func TestExportLogsCountsNeverURLs(t *testing.T) {
	srv := newBulkServer(t)
	srv.files["obs1"] = obs1
	srv.manifest = manifest(true, []string{"Observation {base}/fhir/files/obs1?sig=s3cret 2"})
	var logs bytes.Buffer
	opts := testOptions(&sleeps{})
	opts.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv.del = http.StatusInternalServerError

	m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1", Types: []string{"Observation"}}, t.TempDir(), opts)
	require.NoError(t, err)
	require.Error(t, m.Cleanup)
	out := logs.String()
	assert.Contains(t, out, `"msg":"bulk export downloaded","output":1`)
	assert.Contains(t, out, `"msg":"bulk export job not deleted"`)
	for _, banned := range []string{srv.URL, "s3cret", "files/", "status/j1", "tok-bulk"} {
		assert.False(t, strings.Contains(out, banned), banned)
	}
}
