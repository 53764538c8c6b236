package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keywarden/keywarden/internal/output"
)

const example = "../../examples/credential-report.csv"

// run executes keywarden in-process and returns the exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(string) string { return "" },
	})
	return code, out.String(), errb.String()
}

func readExample(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestScan_ExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.csv")
	lines := strings.Split(string(readExample(t)), "\n")
	// Keep the header, root, and carol (a console user without keys).
	os.WriteFile(clean, []byte(lines[0]+"\n"+lines[1]+"\n"+lines[4]), 0o644)
	reviewOnly := filepath.Join(dir, "review.csv")
	os.WriteFile(reviewOnly, []byte(lines[0]+"\n"+lines[8]), 0o644)

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"findings", []string{"scan", "--report", example}, ExitFindings},
		{"clean", []string{"scan", "--report", clean}, ExitOK},
		{"review passes by default", []string{"scan", "--report", reviewOnly}, ExitOK},
		{"fail-on review", []string{"scan", "--report", reviewOnly, "--fail-on", "review"},
			ExitFindings},
		{"unknown flag", []string{"scan", "--bogus"}, ExitUsage},
		{"unknown format", []string{"scan", "--report", example, "--format", "yaml"}, ExitUsage},
		{"unknown status", []string{"scan", "--report", example, "--status", "bad"}, ExitUsage},
		{"missing file", []string{"scan", "--report", filepath.Join(dir, "nope.csv")},
			ExitUsage},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
		{"no command", nil, ExitUsage},
		{"help", []string{"scan", "-h"}, ExitOK},
		{"version", []string{"version"}, ExitOK},
		{"rules", []string{"rules"}, ExitOK},
		{"explain", []string{"explain", "aws-iam-user-setup-access-key"}, ExitOK},
		{"explain unknown", []string{"explain", "nope"}, ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
		})
	}
}

func TestScan_Inputs(t *testing.T) {
	data := readExample(t)
	dir := t.TempDir()

	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	zw.Write(data)
	zw.Close()
	gzPath := filepath.Join(dir, "report.csv.gz")
	os.WriteFile(gzPath, gzBuf.Bytes(), 0o644)

	cliJSON := filepath.Join(dir, "report.json")
	os.WriteFile(cliJSON, []byte(`{"Content": "`+base64.StdEncoding.EncodeToString(data)+
		`", "ReportFormat": "text/csv", "GeneratedTime": "2025-06-10T11:00:00Z"}`), 0o644)

	reportDir := filepath.Join(dir, "many")
	os.Mkdir(reportDir, 0o755)
	os.WriteFile(filepath.Join(reportDir, "a.csv"), data, 0o644)
	os.WriteFile(filepath.Join(reportDir, "b.json"), mustRead(t, cliJSON), 0o644)

	tests := []struct {
		name    string
		stdin   string
		args    []string
		sources int
		fails   int
		format  string
	}{
		{"stdin", string(data), []string{"--report", "-"}, 1, 4, "csv"},
		{"gzip", "", []string{"--report", gzPath}, 1, 4, "csv+gzip"},
		{"aws cli json", "", []string{"--report", cliJSON}, 1, 4, "aws-cli-json"},
		{"directory", "", []string{"--report", reportDir}, 2, 8, "csv"},
		{"repeated", "", []string{"--report", gzPath, "--report", cliJSON}, 2, 8, "csv+gzip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan", "--format", "json"}, tc.args...)
			code, stdout, stderr := run(t, tc.stdin, args...)
			if code != ExitFindings {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
			}
			var doc output.Document
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if len(doc.Sources) != tc.sources || doc.Summary["fail"] != tc.fails {
				t.Errorf("sources %d fails %d, want %d and %d", len(doc.Sources),
					doc.Summary["fail"], tc.sources, tc.fails)
			}
			if doc.Sources[0].Format != tc.format {
				t.Errorf("format %q, want %q", doc.Sources[0].Format, tc.format)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScan_BadFileAmongGood checks that one bad report stops the whole run with a clear error
// naming every bad file, and that nothing is written to stdout.
func TestScan_BadFileAmongGood(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a-good.csv"), readExample(t), 0o644)
	os.WriteFile(filepath.Join(dir, "b-bad.csv"), []byte("user,arn\nx,y\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "c-empty.csv"), nil, 0o644)

	code, stdout, stderr := run(t, "", "scan", "--report", dir, "--format", "json")
	if code != ExitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	if stdout != "" {
		t.Errorf("stdout not empty:\n%s", stdout)
	}
	for _, want := range []string{
		"2 of 3 reports could not be read, no report written",
		filepath.Join(dir, "b-bad.csv") + `:1: column "user_creation_time": missing required column`,
		filepath.Join(dir, "c-empty.csv") + ": empty report",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestScan_StatusFilterAndOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results.json")
	code, stdout, stderr := run(t, "", "scan", "--report", example, "--format", "json",
		"--status", "fail,review", "--output", out)
	if code != ExitFindings || stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, stdout, stderr)
	}
	var doc output.Document
	if err := json.Unmarshal(mustRead(t, out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 7 {
		t.Errorf("results %d, want 4 fail + 3 review", len(doc.Results))
	}
	if doc.Summary["pass"] != 6 {
		t.Errorf("summary pass %d, want 6: the summary counts every status", doc.Summary["pass"])
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestScan_StaleReportWarning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(path, []byte(`{"Content": "`+base64.StdEncoding.EncodeToString(
		readExample(t))+`", "GeneratedTime": "2025-06-10T11:00:00Z"}`), 0o644)

	_, stdout, stderr := run(t, "", "scan", "--report", path, "--format", "csv")
	if !strings.Contains(stderr, "report generated 2025-06-10T11:00:00Z") ||
		!strings.Contains(stderr, " days ago)") ||
		!strings.Contains(stderr, "users and keys created since are missing") {
		t.Errorf("no stale warning on stderr:\n%s", stderr)
	}
	if strings.Contains(stdout, "warning") {
		t.Errorf("warning leaked into machine output")
	}
}

// TestScan_Suppressions checks that muted results keep their evidence and never fail the
// run, and that expired and unused entries are named on stderr.
func TestScan_Suppressions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	all := write("all.yaml", `suppressions:
  - account: "111122223333"
    user: "*"
    reason: accepted during the migration
    expires: 2099-12-31
    owner: platform-team
`)
	partial := write("partial.yaml", `suppressions:
  - user: "alice"
    reason: break-glass user
    expires: 2099-12-31
  - user: "nobody-*"
    reason: left over
    expires: 2099-12-31
  - user: "dave"
    reason: old exception
    expires: 2020-01-01
`)
	noReason := write("bad.yaml", "suppressions:\n  - user: alice\n    expires: 2099-12-31\n")

	code, stdout, stderr := run(t, "", "scan", "--report", example, "--format", "json",
		"--suppressions", all)
	if code != ExitOK {
		t.Fatalf("every fail muted: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	var doc output.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary["fail"] != 0 || doc.Summary["muted"] != 7 {
		t.Errorf("summary %v, want 0 fail and 7 muted (4 fail + 3 review)", doc.Summary)
	}
	for _, r := range doc.Results {
		if r.Status == "muted" && (r.Suppression == nil || r.Suppression.Owner !=
			"platform-team" || r.UserCreatedAt == nil || r.Message == "") {
			t.Errorf("muted result lost its evidence or owner: %+v", r)
		}
	}

	code, _, stderr = run(t, "", "scan", "--report", example, "--suppressions", partial)
	if code != ExitFindings {
		t.Errorf("partial: exit %d, want 1", code)
	}
	for _, want := range []string{partial + ":5: suppression 2 matched no result",
		partial + ":8: suppression 3 expired on 2020-01-01"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	code, _, stderr = run(t, "", "scan", "--report", example, "--suppressions", noReason)
	if code != ExitUsage || !strings.Contains(stderr, "reason") {
		t.Errorf("entry without a reason: exit %d stderr %s", code, stderr)
	}
}

// TestScan_TextShowsExplicitStatuses checks that text shows passes when --status asks.
func TestScan_TextShowsExplicitStatuses(t *testing.T) {
	_, stdout, _ := run(t, "", "scan", "--report", example)
	if strings.Contains(stdout, "created-after-setup") {
		t.Errorf("text shows passes by default:\n%s", stdout)
	}
	_, stdout, _ = run(t, "", "scan", "--report", example, "--status", "pass")
	if !strings.Contains(stdout, "created-after-setup") || strings.Contains(stdout,
		"created-at-setup-unused") {
		t.Errorf("--status pass: text does not show exactly the passes:\n%s", stdout)
	}
}

// TestScan_UsageErrors checks the flag combinations and values scan refuses.
func TestScan_UsageErrors(t *testing.T) {
	comments := filepath.Join(t.TempDir(), "accounts.txt")
	os.WriteFile(comments, []byte("# nothing but comments\n\n"), 0o644)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"window zero", []string{"--report", example, "--window", "0s"},
			"--window 0s: expected a positive duration"},
		{"ndjson with json", []string{"--report", example, "--format", "json", "--ndjson"},
			"--ndjson applies to --format ocsf and asff only"},
		{"method with report", []string{"--report", example, "--method", "api"},
			"cannot be combined with --report"},
		{"stdin twice", []string{"--report", "-", "--report", "-"}, "can be read once"},
		{"empty accounts", []string{"--accounts", ""}, "expected at least one value"},
		{"accounts file without IDs", []string{"--accounts-file", comments},
			"no account IDs in it"},
		{"bad log level", []string{"--report", example, "--log-level", "loud"},
			`--log-level "loud"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"scan"}, tc.args...)...)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d stdout %q stderr %q, want 2 and %q", code, stdout, stderr,
					tc.want)
			}
		})
	}
}

// TestScan_InputWarnings checks the warnings about inputs: two reports of one account,
// and directory entries that are passed over.
func TestScan_InputWarnings(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), readExample(t), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), readExample(t), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.csv"), readExample(t), 0o644)
	os.Mkdir(filepath.Join(dir, "old"), 0o755)

	_, _, stderr := run(t, "", "scan", "--report", dir, "--format", "json")
	for _, want := range []string{
		"both cover account 111122223333",
		filepath.Join(dir, ".hidden.csv") + ": skipped: hidden entry",
		filepath.Join(dir, "old") + ": skipped: directories are not read recursively",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestScan_NoColor checks that colours are used on a terminal, and never with NO_COLOR.
func TestScan_NoColor(t *testing.T) {
	for _, noColor := range []string{"", "1"} {
		var out bytes.Buffer
		Run(context.Background(), []string{"scan", "--report", example}, &Env{
			Stdout: &out, Stderr: io.Discard, StdoutTerminal: true,
			Getenv: func(k string) string {
				if k == "NO_COLOR" {
					return noColor
				}
				return ""
			},
		})
		if colored := strings.Contains(out.String(), "\x1b["); colored != (noColor == "") {
			t.Errorf("NO_COLOR=%q: escape codes present = %v", noColor, colored)
		}
	}
}
