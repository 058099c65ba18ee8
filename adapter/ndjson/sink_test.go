package ndjson_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
)

// Workers write at once; every resource must still be one whole line of its
// type's file.
func TestConcurrentWritesGiveWholeLines(t *testing.T) {
	dir := t.TempDir()
	sink, err := ndjson.NewSink(dir)
	require.NoError(t, err)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				js := fmt.Appendf(nil, `{"resourceType":"MeasureReport","id":"w%d-%d","pad":"%0500d"}`, w, i, 0)
				out := &adapter.Outcome{PatientID: "p", Resources: []adapter.Resource{{Type: "MeasureReport", JSON: js}}}
				if i%10 == 0 {
					out.OperationOutcome = []byte(`{"resourceType":"OperationOutcome"}`)
				}
				assert.NoError(t, sink.Write(context.Background(), out))
			}
		})
	}
	wg.Wait()
	require.NoError(t, sink.Close())
	lines := func(name string) int {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		defer f.Close()
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			assert.Regexp(t, `^\{"resourceType":"[A-Za-z]+".*\}$`, sc.Text())
			n++
		}
		return n
	}
	assert.Equal(t, writers*each, lines("MeasureReport.ndjson"))
	assert.Equal(t, writers*each/10, lines("OperationOutcome.ndjson"))
	assert.Equal(t, 0, lines("Task.ndjson"))
}

func TestAResourceOfAnotherTypeIsAnError(t *testing.T) {
	sink, err := ndjson.NewSink(t.TempDir())
	require.NoError(t, err)
	defer sink.Close()
	err = sink.Write(context.Background(), &adapter.Outcome{Resources: []adapter.Resource{{Type: "Patient", JSON: []byte("{}")}}})
	assert.ErrorContains(t, err, "no file for Patient")
}
