// Command rpm-adapter evaluates Medicare Remote Patient Monitoring
// eligibility from FHIR data and writes it back as FHIR resources.
//
//	rpm-adapter evaluate [--source DIR | --fhir-base URL] [--patient ID ...] [--group ID]
//	                     (--month YYYY-MM | --date YYYY-MM-DD) [--timezone ZONE] [--write] [--out DIR]
//	rpm-adapter generate [--out DIR] [size options]
//	rpm-adapter serve    [--addr HOST:PORT] [--fhir-base URL | --source DIR] [--out DIR]
//
// Every flag can also be set through the environment as RPM_<FLAG>, with
// dashes as underscores (RPM_FHIR_BASE, RPM_TOKEN, …).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: rpm-adapter <command> [flags]

commands:
  evaluate   evaluate patients for a month or an as-of date and write the results
  generate   write a deterministic synthetic Bulk Data export
  serve      run the FHIR-shaped eligibility API
  export     export the store's code lines of a month for billing (CSV or HL7 v2)

Run "rpm-adapter <command> -h" for the flags of a command.
`

// Exit statuses.
const (
	exitOK      = 0
	exitPartial = 1 // some patients failed; the others' results are written
	exitUsage   = 2 // bad command line or configuration
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(realMain(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// realMain runs one command and returns the exit status; tests drive it.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	code := exitOK
	switch args[0] {
	case "evaluate":
		code, err = runEvaluate(ctx, args[1:], stdout, stderr, getenv)
	case "generate":
		err = runGenerate(args[1:], stdout, stderr, getenv)
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr, getenv)
	case "export":
		err = runExport(ctx, args[1:], stdout, stderr, getenv)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "rpm-adapter: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return code
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "rpm-adapter %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "rpm-adapter %s: %v\n", args[0], err)
		return exitPartial
	}
}
