// Package output renders scan results in every format keywarden offers.
//
// All formats render one Document. Each format lives in its own file and is listed once in
// the table of Formats, which feeds --format validation, the help text and the tests.
package output

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// SchemaVersion is the version of the JSON document. It changes only when a field is removed
// or changes meaning; new fields may be added within a version.
const SchemaVersion = 1

// Document is everything one run produced.
type Document struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	GeneratedAt   time.Time `json:"generated_at"`
	Sources       []Source  `json:"sources"`
	// WindowSeconds is the setup window the rule used.
	WindowSeconds int64 `json:"window_seconds,omitempty"`
	// Summary counts every result per status, before any --status filter. An account that
	// could not be scanned counts as one error.
	Summary finding.Summary `json:"summary"`
	// Accounts describes each account of a live or organization scan.
	Accounts []Account `json:"accounts,omitempty"`
	// APICalls counts the AWS API calls made, per action, in a live scan.
	APICalls map[string]int `json:"api_calls,omitempty"`
	// Results holds the results that passed the --status filter.
	Results []finding.Result `json:"results"`
	// Filter lists the statuses kept in Results; empty means all.
	Filter []finding.Status `json:"status_filter,omitempty"`
	// Warnings repeats the warnings printed on stderr, so saved documents keep them.
	Warnings []string `json:"warnings,omitempty"`
}

// Tool names the program that wrote a document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source describes one input: a credential report file or a live account.
type Source struct {
	// Kind is "credential-report" or "api".
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"`
	Format string `json:"format,omitempty"`
	// AccountID is the account the source covers.
	AccountID   string     `json:"account_id,omitempty"`
	Partition   string     `json:"partition,omitempty"`
	GeneratedAt *time.Time `json:"generated_at,omitempty"`
	Users       int        `json:"users"`
}

// Account is the scan outcome of one account.
type Account struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	State string `json:"state,omitempty"`
	// ScanStatus is "scanned", "skipped" or "error".
	ScanStatus string         `json:"scan_status"`
	Error      string         `json:"error,omitempty"`
	Fix        string         `json:"fix,omitempty"`
	DurationMS int64          `json:"duration_ms"`
	APICalls   map[string]int `json:"api_calls,omitempty"`
	Summary    map[string]int `json:"summary,omitempty"`
}

// Options tune how a format renders.
type Options struct {
	// Terminal is true when the output goes to a terminal, for colour and tables.
	Terminal bool
	// Region picks the Security Hub region for ASFF product ARNs.
	Region string
	// NDJSON writes one JSON object per line where a format supports it.
	NDJSON bool
}

// Formatter writes a document to w.
type Formatter interface {
	Format(w io.Writer, doc *Document) error
}

// FormatterFunc adapts a function to Formatter.
type FormatterFunc func(w io.Writer, doc *Document) error

// Format calls f.
func (f FormatterFunc) Format(w io.Writer, doc *Document) error { return f(w, doc) }

// Format describes one output format.
type Format struct {
	Name        string
	Description string
	New         func(Options) Formatter
}

// Lookup returns the format with the given name.
func Lookup(name string) (Format, error) {
	for _, f := range Formats() {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q: expected one of %s", name,
		strings.Join(Names(), ", "))
}

// Names lists the format names in table order.
func Names() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}

// SortResults orders results by account, user, slot and key for stable output.
func SortResults(rs []finding.Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		// Users sort as AWS lists them: ignoring case.
		if la, lb := strings.ToLower(a.UserName), strings.ToLower(b.UserName); la != lb {
			return la < lb
		}
		if a.UserName != b.UserName {
			return a.UserName < b.UserName
		}
		return slotOf(a) < slotOf(b)
	})
}

func slotOf(r *finding.Result) int {
	if r.KeySlot == nil {
		return 0
	}
	return *r.KeySlot
}
