package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// ANSI styles used only when writing to a terminal.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[01m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[02m"
)

func newText(o Options) Formatter {
	return &text{color: o.Terminal}
}

// text renders the human report: problems first, then what to do, then the counts.
type text struct{ color bool }

// Format writes the fail, review, error and muted results, their fixes and a summary.
func (t *text) Format(w io.Writer, doc *Document) error {
	// By default the problems are shown; an explicit --status shows what it kept.
	var shown []*finding.Result
	for i := range doc.Results {
		switch doc.Results[i].Status {
		case finding.StatusFail, finding.StatusReview, finding.StatusError,
			finding.StatusMuted:
			shown = append(shown, &doc.Results[i])
		default:
			if len(doc.Filter) > 0 {
				shown = append(shown, &doc.Results[i])
			}
		}
	}

	if len(shown) > 0 {
		if err := t.table(w, shown); err != nil {
			return err
		}
		t.fixes(w, shown)
	}
	t.accounts(w, doc)
	t.summary(w, doc)
	return nil
}

// table writes one aligned line per shown result.
func (t *text) table(w io.Writer, rs []*finding.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// Only the first column is styled, in the header as in the rows, with escape codes of
	// one length, so tabwriter's byte counts keep the columns aligned.
	fmt.Fprintln(tw, t.style(ansiBold, "STATUS")+
		"\tSEVERITY\tACCOUNT\tUSER\tKEY\tKEY CREATED\tDELTA\tLAST USED\tREASON")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			t.status(r.Status), r.Severity, r.AccountID, safe(r.UserName), keyLabel(r),
			shortTime(r.KeyCreatedAt), delta(r.SetupDeltaSeconds), lastUsed(r), r.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}

// fixes writes the message and remediation of every shown result.
func (t *text) fixes(w io.Writer, rs []*finding.Result) {
	for _, r := range rs {
		fmt.Fprintf(w, "%s %s/%s %s: %s\n", t.status(r.Status), r.AccountID,
			safe(r.UserName), keyLabel(r), safe(r.Message))
		if r.Remediation != nil {
			fmt.Fprintf(w, "  fix: %s\n", r.Remediation.Summary)
			for _, c := range r.Remediation.Commands {
				fmt.Fprintf(w, "    %s\n", c)
			}
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", safe(n))
		}
	}
	fmt.Fprintln(w)
}

// accounts writes the per-account outcome of an organization scan.
func (t *text) accounts(w io.Writer, doc *Document) {
	if len(doc.Accounts) < 2 && !hasAccountError(doc.Accounts) {
		return
	}
	counts := map[string]int{}
	for _, a := range doc.Accounts {
		counts[a.ScanStatus]++
	}
	fmt.Fprintf(w, "Accounts: %d scanned, %d skipped, %d errored\n", counts["scanned"],
		counts["skipped"], counts["error"])
	for _, a := range doc.Accounts {
		switch a.ScanStatus {
		case "error":
			fmt.Fprintf(w, "  %s %s%s: %s\n", t.style(ansiRed, "error"), a.ID, named(a.Name),
				a.Error)
			if a.Fix != "" {
				fmt.Fprintf(w, "    fix: %s\n", a.Fix)
			}
		case "skipped":
			fmt.Fprintf(w, "  skipped %s%s: state %s\n", a.ID, named(a.Name), a.State)
		}
	}
	top := topFailing(doc.Accounts, 5)
	if len(top) > 0 {
		fmt.Fprintln(w, "Top failing accounts:")
		for _, a := range top {
			fmt.Fprintf(w, "  %s%s: %d fail\n", a.ID, named(a.Name),
				a.Summary[string(finding.StatusFail)])
		}
	}
	fmt.Fprintln(w)
}

// named formats an account name after its ID, when there is one.
func named(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + ")"
}

func hasAccountError(as []Account) bool {
	for _, a := range as {
		if a.ScanStatus == "error" {
			return true
		}
	}
	return false
}

// topFailing returns up to n accounts with the most failing results.
func topFailing(as []Account, n int) []Account {
	var out []Account
	for _, a := range as {
		if a.Summary[string(finding.StatusFail)] > 0 {
			out = append(out, a)
		}
	}
	fail := string(finding.StatusFail)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Summary[fail] > out[j-1].Summary[fail]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// summary writes the sources and the count of every status.
func (t *text) summary(w io.Writer, doc *Document) {
	for _, s := range doc.Sources {
		line := "Source: " + s.Kind
		if s.Path != "" {
			line += " " + s.Path
		}
		if s.Kind == "api" && s.Format != "" {
			line += " (" + s.Format + " method)"
		}
		if s.AccountID != "" {
			line += " (account " + s.AccountID + ")"
		}
		if s.GeneratedAt != nil {
			line += ", generated " + s.GeneratedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintln(w, line)
	}

	total := 0
	var parts []string
	for _, st := range finding.Statuses {
		n := doc.Summary[st]
		total += n
		parts = append(parts, fmt.Sprintf("%d %s", n, st))
	}
	fmt.Fprintf(w, "%s %d results: %s\n", t.style(ansiBold, "Summary:"), total,
		strings.Join(parts, ", "))
}

// status colours a status on a terminal.
func (t *text) status(s finding.Status) string {
	switch s {
	case finding.StatusFail, finding.StatusError:
		return t.style(ansiRed, string(s))
	case finding.StatusReview:
		return t.style(ansiYellow, string(s))
	case finding.StatusPass:
		return t.style(ansiGreen, string(s))
	}
	return t.style(ansiDim, string(s))
}

// style wraps s in an ANSI style on a terminal. Styled cells keep equal widths per column
// because every cell of a column gets the same escape length.
func (t *text) style(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

// keyLabel names the key of a result: its ID when known, else its slot.
func keyLabel(r *finding.Result) string {
	switch {
	case r.AccessKeyID != nil:
		return *r.AccessKeyID
	case r.KeySlot != nil:
		return fmt.Sprintf("slot %d", *r.KeySlot)
	}
	return "-"
}

func shortTime(p *time.Time) string {
	if p == nil {
		return "-"
	}
	return p.UTC().Format("2006-01-02 15:04:05")
}

func delta(p *int64) string {
	if p == nil {
		return "-"
	}
	d := *p
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d < 120:
		return fmt.Sprintf("%s%ds", sign, d)
	case d < 2*3600:
		return fmt.Sprintf("%s%dm", sign, d/60)
	case d < 2*86400:
		return fmt.Sprintf("%s%dh", sign, d/3600)
	}
	return fmt.Sprintf("%s%dd", sign, d/86400)
}

// safe replaces control characters, so text read from a report cannot drive the terminal.
func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

func lastUsed(r *finding.Result) string {
	if r.KeyLastUsedAt == nil {
		if r.IsKey() {
			return "never"
		}
		return "-"
	}
	return r.KeyLastUsedAt.UTC().Format("2006-01-02 15:04")
}
