package main

import (
	"bufio"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// mllpListener answers AA to the first ok messages and then code, on one
// real TCP listener; it counts what it received.
func mllpListener(t *testing.T, ok int, code string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	n := new(atomic.Int32)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for i := 0; ; i++ {
			br.ReadBytes(0x0b)
			body, err := br.ReadBytes(0x1c)
			if err != nil {
				return
			}
			br.ReadByte()
			n.Store(int32(i + 1))
			ctl := strings.Split(strings.SplitN(string(body), "\r", 2)[0], "|")[9]
			c := "AA"
			if i >= ok {
				c = code
			}
			fmt.Fprintf(conn, "\x0bMSH|^~\\&|EPIC||rpm-adapter||20261102||ACK|A%d|P|2.5.1\rMSA|%s|%s|PID-3 unknown\r\x1c\r", i, c, ctl)
		}
	}()
	return ln.Addr().String(), n
}

func TestExportOverMLLPStopsAtAnAEAndLeavesTheRestForTheNextBatch(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	evaluateInto(t, db, "")
	addr, received := mllpListener(t, 5, "AE")
	code, stdout, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "hl7v2", "--mllp", addr)
	require.Equal(t, exitPartial, code, errs)
	require.Empty(t, stdout, "over MLLP nothing goes to stdout")
	require.Contains(t, errs, "5 of 41 messages accepted")
	require.Contains(t, errs, "AE to message RPM1-6")
	require.EqualValues(t, 6, received.Load())
	require.Equal(t, 2, strings.Count(errs, "\n"), "the summary and the error, one line each: %q", errs)

	// The batch holds the five delivered; the next export the other 36.
	code, again, errs := run(t, nil, "export", "--db", db, "--rebuild", "1")
	require.Equal(t, 0, code, errs)
	require.Equal(t, 5, strings.Count(again, "MSH|"))
	require.Contains(t, errs, "5 messages")
	addr, received = mllpListener(t, 100, "AA")
	code, _, errs = run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "hl7v2", "--mllp", addr)
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "36 messages")
	require.EqualValues(t, 36, received.Load())
}
