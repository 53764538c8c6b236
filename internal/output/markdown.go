package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/keywarden/keywarden/internal/finding"
)

// newMarkdown writes a report for pull requests and tickets: the counts, the fail and
// review results, accounts that could not be scanned, and the fix commands.
func newMarkdown(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		bw := bufio.NewWriter(w)
		def := definitionOf(&finding.Result{})
		fmt.Fprintf(bw, "## keywarden: %s\n\n", def.Title)
		fmt.Fprintf(bw, "Rule `%s`, CIS AWS Foundations Benchmark %s.\n\n", def.ID,
			strings.Join(uniqueControls(cisControls(def)), ", "))

		mdSummary(bw, doc)
		shown := mdShown(doc)
		mdResults(bw, shown)
		mdAccountErrors(bw, doc)
		mdFixes(bw, shown)
		return bw.Flush()
	})
}

// mdSummary writes the count of every status.
func mdSummary(w io.Writer, doc *Document) {
	fmt.Fprint(w, "| Status | Results |\n|---|---:|\n")
	total := 0
	for _, st := range finding.Statuses {
		fmt.Fprintf(w, "| %s | %d |\n", st, doc.Summary[st])
		total += doc.Summary[st]
	}
	fmt.Fprintf(w, "| **total** | **%d** |\n\n", total)
}

// mdShown returns the fail and review results.
func mdShown(doc *Document) []*finding.Result {
	var out []*finding.Result
	for i := range doc.Results {
		switch doc.Results[i].Status {
		case finding.StatusFail, finding.StatusReview:
			out = append(out, &doc.Results[i])
		}
	}
	return out
}

// mdResults writes one table row per fail or review result.
func mdResults(w io.Writer, rs []*finding.Result) {
	if len(rs) == 0 {
		fmt.Fprint(w, "No results to fail or review.\n\n")
		return
	}
	fmt.Fprint(w, "### Results to fix or review\n\n")
	fmt.Fprint(w, "| Status | Account | User | Key | Created | Delta | Last used | Reason |\n")
	fmt.Fprint(w, "|---|---|---|---|---|---:|---|---|\n")
	for _, r := range rs {
		cells := []string{string(r.Status), r.AccountID, r.UserName, keyLabel(r),
			shortTime(r.KeyCreatedAt), delta(r.SetupDeltaSeconds), lastUsed(r),
			"`" + string(r.Reason) + "`"}
		for i := range cells {
			cells[i] = mdCell(cells[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
}

// mdAccountErrors lists the accounts that could not be scanned.
func mdAccountErrors(w io.Writer, doc *Document) {
	var errs []Account
	for _, a := range doc.Accounts {
		if a.ScanStatus == "error" {
			errs = append(errs, a)
		}
	}
	if len(errs) == 0 {
		return
	}
	fmt.Fprint(w, "### Accounts not scanned\n\n| Account | Error | Fix |\n|---|---|---|\n")
	for _, a := range errs {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(suiteName(doc, a.ID)), mdCell(a.Error),
			mdCell(a.Fix))
	}
	fmt.Fprintln(w)
}

// mdFixes writes the remediation commands in one fenced shell block.
func mdFixes(w io.Writer, rs []*finding.Result) {
	var b strings.Builder
	for _, r := range rs {
		if r.Remediation == nil {
			continue
		}
		fmt.Fprintf(&b, "# %s/%s %s\n", r.AccountID, r.UserName, keyLabel(r))
		for _, c := range r.Remediation.Commands {
			fmt.Fprintln(&b, c)
		}
	}
	if b.Len() == 0 {
		return
	}
	fence := mdFence(b.String())
	fmt.Fprintf(w, "### Fix commands\n\n%ssh\n%s%s\n", fence, b.String(), fence)
}

// mdCell makes s safe inside a table cell: pipes are escaped and line breaks become spaces.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// mdFence returns a backtick fence longer than any backtick run in s.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
