// Command rpm-bench measures a population run of the adapter against the
// same computation in DuckDB SQL over the same Bulk Data export files (issue
// #7). It generates the population, runs each side as a child process (so
// each side's peak memory is its own), prints times, the ratio and peak RSS,
// and checks that both sides agree on every patient's day count for every
// 30-day period ending in the month.
//
//	cd cmd/rpm-bench && go run . [--patients 10000] [--readings-per-day 5] [--dir DIR] [--keep]
//
// It lives in its own Go module so that the product never depends on DuckDB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: 0 agreement, 1 a disagreement or a failed side, 2 usage.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case len(args) > 0 && args[0] == "adapter-side":
		err = runAdapterSide(ctx, args[1:], stdout)
	case len(args) > 0 && args[0] == "duckdb-side":
		err = runDuckDBSide(ctx, args[1:], stdout)
	default:
		err = runBench(ctx, args, stdout, stderr)
	}
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "rpm-bench:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "rpm-bench:", err)
		return 1
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }
