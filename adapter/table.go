package adapter

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// WriteTable prints the run as a readable table: one line per evaluated
// window, then a one-line summary. It shows ids, counts, codes and finding
// sentences, which hold no patient data.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATIENT\tWINDOW\tDAYS\tMIN\tINTERACTIVE\tCODES\tPROFILE\tSTATUS")
	for _, row := range s.Rows {
		switch {
		case row.Err != nil:
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\tfailed: %v\n", row.PatientID, row.Err)
		case row.Outcome.Result == nil:
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\tnot evaluated: %s\n", row.PatientID, row.Outcome.NotEvaluated)
		default:
			writeResultRows(tw, row.PatientID, row.Outcome.Result)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d patients, %d failed, %s in %s\n",
		len(s.Rows), s.Failed(), s.Job, s.Duration.Round(1e6))
	return err
}

func writeResultRows(w io.Writer, id string, res *rules.Result) {
	for _, p := range res.Periods {
		fmt.Fprintf(w, "%s\tperiod %s..%s\t%d\t\t\t%s\t%s\t%s\n", id, p.Window.Start, p.Window.End,
			p.Days, codes(p.Lines), profile(p.Profile), status(p.Provisional, p.Lines, p.Progress, p.Findings, "days"))
	}
	if len(res.Periods) == 0 {
		for _, f := range res.Findings {
			if f.Code == "no-episode" || f.Code == "no-period-in-scope" {
				fmt.Fprintf(w, "%s\tperiod -\t-\t\t\t-\t-\t%s\n", id, f.Message)
			}
		}
	}
	for _, m := range res.Months {
		ic := "no"
		if m.Interactive {
			ic = "yes"
		}
		fmt.Fprintf(w, "%s\tmonth %s\t\t%d\t%s\t%s\t%s\t%s\n", id, m.Window.Start.Time().Format("2006-01"),
			m.Minutes, ic, codes(m.Lines), profile(m.Profile), status(m.Provisional, m.Lines, m.Progress, m.Findings, "minutes"))
	}
}

func codes(lines []rules.CodeLine) string {
	if len(lines) == 0 {
		return "-"
	}
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = l.Code
		if l.Units > 1 {
			parts[i] += fmt.Sprintf("x%d", l.Units)
		}
	}
	return strings.Join(parts, " ")
}

// profile names the payer profile that judged a window (R-PAY-1), with the
// date-of-service choice when it is not the default (R-DOS-1).
func profile(c rules.ProfileChoice) string {
	if c.ID == "" {
		return "-"
	}
	if c.Policy.DeviceDOS == rules.DOSLastReading {
		return c.ID + " (DOS last reading)"
	}
	return c.ID
}

// blocking are the findings that withhold a window's codes: the table shows
// the first as the window's status.
var blocking = []string{"other-practitioner", "rtm-overlap", "already-charged", "no-data-in-month",
	"no-interactive-communication", "payer-profile-ambiguous", "no-consent", "condition-not-covered", "clash-99091"}

// reviews are findings a person must see even when the window bills: they
// follow the status (R-SET-3, R-PAY-4).
var reviews = []string{"setup-2026-review", "payer-profile-not-effective"}

// status is the table's last column: billable, provisional progress
// (R-PER-5), or the finding that explains a miss, then any finding that
// needs review.
func status(provisional bool, lines []rules.CodeLine, p *rules.Progress, fs []rules.Finding, unit string) string {
	s := mainStatus(provisional, lines, p, fs, unit)
	for _, f := range fs {
		if slices.Contains(reviews, f.Code) {
			s += " | " + f.Message
		}
	}
	return s
}

func mainStatus(provisional bool, lines []rules.CodeLine, p *rules.Progress, fs []rules.Finding, unit string) string {
	if provisional && p != nil {
		s := fmt.Sprintf("open: %d of %d %s", p.Have, p.Need, unit)
		if p.Missing > 0 {
			s += fmt.Sprintf(", %d needed", p.Missing)
		}
		s += fmt.Sprintf(", %d days left", p.DaysLeft)
		if p.NeedsInteractive {
			s += ", no interactive call yet"
		}
		if !p.Reachable {
			s += ", out of reach"
		}
		return s
	}
	var msgs []string
	for _, f := range fs {
		if slices.Contains(blocking, f.Code) {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) > 0 {
		return strings.Join(msgs, " ")
	}
	if len(lines) > 0 {
		return "billable"
	}
	for _, f := range fs {
		if f.Code == "days-below-threshold" || f.Code == "minutes-below-threshold" {
			return f.Message
		}
	}
	return "not eligible"
}
