package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/awsscan"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/remediate"
)

// fixAccount is the account of fixScenario.
const fixAccount = "111122223333"

// fixScenario has four active setup keys that fail (alice, bob, carol, henry), one inactive
// one (dave), a key in use (erin) and a key from before usage tracking (grace, review).
const fixScenario = `{
 "now": "2025-06-10T12:00:00Z", "report_generation_seconds": 0,
 "accounts": [{"id": "111122223333", "created": "2019-03-01T08:00:00Z",
  "users": [
   {"name": "alice", "created": "2025-03-10T09:00:00Z",
    "password": {"created": "2025-03-10T09:00:01Z"},
    "access_keys": [{"id": "AKIAFIXALICE00000001", "created": "2025-03-10T09:00:01Z"}]},
   {"name": "bob", "created": "2025-03-11T09:00:00Z",
    "password": {"created": "2025-03-11T09:00:01Z"},
    "access_keys": [{"id": "AKIAFIXBOB0000000001", "created": "2025-03-11T09:00:01Z"}]},
   {"name": "carol", "created": "2025-03-12T09:00:00Z",
    "password": {"created": "2025-03-12T09:00:01Z"},
    "access_keys": [{"id": "AKIAFIXCAROL00000001", "created": "2025-03-12T09:00:01Z"}]},
   {"name": "dave", "created": "2025-02-01T12:00:00Z",
    "password": {"created": "2025-02-01T12:00:01Z"},
    "access_keys": [{"id": "AKIAFIXDAVE000000001", "created": "2025-02-01T12:00:02Z",
     "status": "Inactive"}]},
   {"name": "erin", "created": "2023-07-20T07:45:00Z",
    "password": {"created": "2023-07-20T07:45:00Z"},
    "access_keys": [{"id": "AKIAFIXERIN000000001", "created": "2023-07-20T07:45:01Z",
     "last_used": {"date": "2025-06-02T11:05:00Z", "service": "s3", "region": "us-east-1"}}]},
   {"name": "grace", "created": "2014-06-12T18:00:00Z",
    "password": {"created": "2014-06-12T18:00:00Z"},
    "access_keys": [{"id": "AKIAFIXGRACE00000001", "created": "2014-06-12T18:00:00Z"}]},
   {"name": "henry", "created": "2025-04-01T08:00:00Z",
    "password": {"created": "2025-04-01T08:00:00Z"},
    "access_keys": [{"id": "AKIAFIXHENRY00000001", "created": "2025-04-01T08:00:01Z"}]}
  ]}]}`

// failingActive are the users whose active keys fail in fixScenario.
var failingActive = []string{"alice", "bob", "carol", "henry"}

// startFix starts fixScenario and points the SDK at it.
func startFix(t *testing.T) *awsemu.Server {
	t.Helper()
	srv := emutest.StartJSON(t, fixScenario)
	liveEnv(t, srv)
	return srv
}

// runFixCmd runs keywarden fix with fast retry flags.
func runFixCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	all := append([]string{"fix"}, fastFlags...)
	return run(t, "", append(all, args...)...)
}

// saveScan scans live and saves the JSON document, as 'scan --format json > f' would.
func saveScan(t *testing.T) string {
	t.Helper()
	code, stdout, stderr := run(t, "", append([]string{"scan", "--format", "json"},
		fastFlags...)...)
	if code != ExitFindings {
		t.Fatalf("scan exit %d; stderr:\n%s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "scan.json")
	if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keyStatus returns the live status of the user's first key, or "gone".
func keyStatus(srv *awsemu.Server, user string) string {
	keys := srv.AccessKeys(fixAccount, user)
	if len(keys) == 0 {
		return "gone"
	}
	return keys[0].Status
}

// statuses returns the live key status of each user.
func statuses(srv *awsemu.Server, users ...string) map[string]string {
	m := map[string]string{}
	for _, u := range users {
		m[u] = keyStatus(srv, u)
	}
	return m
}

func wantStatuses(t *testing.T, srv *awsemu.Server, want map[string]string) {
	t.Helper()
	for u, w := range want {
		if got := keyStatus(srv, u); got != w {
			t.Errorf("%s key is %s, want %s", u, got, w)
		}
	}
}

// readRecords reads a journal written by a test.
func readRecords(t *testing.T, path string) []remediate.Record {
	t.Helper()
	recs, warnings, err := remediate.ReadJournal(path)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("read journal: %v %v", err, warnings)
	}
	return recs
}

// fixReport decodes fix's or undo's JSON output.
func fixReport(t *testing.T, stdout string) *remediate.Report {
	t.Helper()
	var rep remediate.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	return &rep
}

// itemStates maps user names to the state (and reason) of their item.
func itemStates(rep *remediate.Report) map[string]string {
	m := map[string]string{}
	for _, it := range rep.Items {
		m[it.UserName] = string(it.State)
	}
	return m
}

func reasonOf(rep *remediate.Report, user string) string {
	for _, it := range rep.Items {
		if it.UserName == user {
			return it.Reason
		}
	}
	return ""
}

func TestParseFix(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		tty     bool
		wantErr string
		check   func(*fixOptions) bool
	}{
		{name: "defaults", args: nil, check: func(o *fixOptions) bool {
			return o.action == remediate.Deactivate && !o.apply.apply && o.format == "text" &&
				o.maxAge == 24*time.Hour && o.scan.format == "json"
		}},
		{name: "delete force", args: []string{"--action", "delete", "--force"},
			check: func(o *fixOptions) bool { return o.action == remediate.Delete && o.force }},
		{name: "apply on a terminal", args: []string{"--apply"}, tty: true,
			check: func(o *fixOptions) bool { return o.apply.apply && !o.apply.yes }},
		{name: "apply yes", args: []string{"--apply", "--yes", "--journal", "j"},
			check: func(o *fixOptions) bool { return o.apply.yes && o.apply.journal == "j" }},
		{name: "script", args: []string{"--format", "script"},
			check: func(o *fixOptions) bool { return o.format == "script" }},
		{name: "apply without yes off a terminal", args: []string{"--apply"},
			wantErr: "--apply needs --yes"},
		{name: "apply from stdin", args: []string{"--apply", "--from", "-"}, tty: true,
			wantErr: "--apply needs --yes"},
		{name: "report", args: []string{"--report", "x.csv"}, wantErr: "--report"},
		{name: "scan format", args: []string{"--format", "sarif"}, wantErr: "--format"},
		{name: "bad action", args: []string{"--action", "nuke"}, wantErr: "--action"},
		{name: "force without delete", args: []string{"--force"}, wantErr: "--force"},
		{name: "script apply", args: []string{"--format", "script", "--apply", "--yes"},
			wantErr: "--format script"},
		{name: "yes without apply", args: []string{"--yes"}, wantErr: "--yes needs --apply"},
		{name: "fail-on", args: []string{"--fail-on", "review"}, wantErr: "--fail-on"},
		{name: "max-age", args: []string{"--max-age", "0s"}, wantErr: "--max-age"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := &Env{Stderr: &bytes.Buffer{}, StdinTerminal: tc.tty,
				Getenv: func(string) string { return "" }}
			o, err := parseFix(tc.args, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.check(o) {
				t.Errorf("options = %+v", o)
			}
		})
	}
}

func TestFix_PlanChangesNothing(t *testing.T) {
	srv := startFix(t)
	before := statuses(srv, "alice", "bob", "carol", "dave", "erin", "grace", "henry")

	code, stdout, stderr := runFixCmd(t)
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"AKIAFIXALICE00000001", "Nothing has been changed",
		"deactivate", "4 planned, 1 already, 0 skipped", "1 review result left alone"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "AKIAFIXERIN") || strings.Contains(stdout, "AKIAFIXGRACE") {
		t.Errorf("plan lists a passing or review key:\n%s", stdout)
	}
	wantStatuses(t, srv, before)
	if n := srv.Counts()["UpdateAccessKey"] + srv.Counts()["DeleteAccessKey"]; n != 0 {
		t.Errorf("the plan made %d changes", n)
	}
}

func TestFix_ApplyDeactivatesFailingKeys(t *testing.T) {
	srv := startFix(t)
	journal := filepath.Join(t.TempDir(), "journal.jsonl")

	code, stdout, stderr := runFixCmd(t, "--apply", "--yes", "--journal", journal,
		"--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	wantStatuses(t, srv, map[string]string{"alice": "Inactive", "bob": "Inactive",
		"carol": "Inactive", "henry": "Inactive", "dave": "Inactive", "erin": "Active",
		"grace": "Active"})
	if n := srv.Counts()["UpdateAccessKey"]; n != 4 {
		t.Errorf("UpdateAccessKey calls %d, want 4", n)
	}
	rep := fixReport(t, stdout)
	if rep.Mode != "apply" || rep.Summary[remediate.StateDone] != 4 ||
		rep.Summary[remediate.StateAlready] != 1 {
		t.Errorf("report mode %s summary %v", rep.Mode, rep.Summary)
	}

	// Every change has an intent before its outcome, and no record holds a secret.
	recs := readRecords(t, journal)
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
		if r.RunID != rep.RunID {
			t.Errorf("record of run %s, want %s", r.RunID, rep.RunID)
		}
	}
	// dave's key was already inactive in the plan: an outcome without an intent.
	want := "run intent outcome intent outcome intent outcome outcome intent outcome end"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("journal records %q, want %q", got, want)
	}
	data, _ := os.ReadFile(journal)
	if strings.Contains(string(data), "secret") || strings.Contains(string(data), "ADMIN") {
		t.Errorf("journal mentions credentials:\n%s", data)
	}

	// A second run finds nothing left to do.
	code, stdout, stderr = runFixCmd(t, "--apply", "--yes", "--journal", journal)
	if code != ExitOK || !strings.Contains(stdout, "Nothing to deactivate") {
		t.Errorf("re-run exit %d:\n%s%s", code, stdout, stderr)
	}
	if n := srv.Counts()["UpdateAccessKey"]; n != 4 {
		t.Errorf("the re-run changed keys again: %d calls", n)
	}
}

// TestFix_FromSavedScan changes live state between the scan and the fix.
func TestFix_FromSavedScan(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, srv *awsemu.Server, scan string)
		args   []string
		code   int
		want   map[string]string // user: item state
		reason map[string]string // user: part of the reason
		keys   map[string]string // user: live status after the fix
	}{
		{
			name: "key used meanwhile survives",
			change: func(t *testing.T, srv *awsemu.Server, _ string) {
				if err := srv.UseKey(fixAccount, "AKIAFIXALICE00000001", "s3",
					"us-east-1"); err != nil {
					t.Fatal(err)
				}
			},
			code:   ExitFindings,
			want:   map[string]string{"alice": "skipped", "bob": "done", "dave": "already"},
			reason: map[string]string{"alice": "key was used at"},
			keys:   map[string]string{"alice": "Active", "bob": "Inactive"},
		},
		{
			name: "key deleted meanwhile",
			change: func(t *testing.T, srv *awsemu.Server, _ string) {
				deleteKey(t, srv, "bob", "AKIAFIXBOB0000000001")
			},
			code:   ExitFindings,
			want:   map[string]string{"bob": "skipped", "alice": "done"},
			reason: map[string]string{"bob": "no longer exists"},
			keys:   map[string]string{"bob": "gone", "alice": "Inactive"},
		},
		{
			name: "muted and review results are left alone",
			change: func(t *testing.T, _ *awsemu.Server, scan string) {
				editScan(t, scan, func(r *finding.Result) {
					if r.UserName == "carol" {
						r.Status = finding.StatusMuted
					}
				})
			},
			code: ExitOK,
			want: map[string]string{"alice": "done"},
			keys: map[string]string{"carol": "Active", "grace": "Active", "erin": "Active",
				"alice": "Inactive"},
		},
		{
			name: "include review",
			args: []string{"--include-review"},
			code: ExitOK,
			want: map[string]string{"grace": "done"},
			keys: map[string]string{"grace": "Inactive", "erin": "Active"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFix(t)
			scan := saveScan(t)
			if tc.change != nil {
				tc.change(t, srv, scan)
			}

			args := append([]string{"--from", scan, "--apply", "--yes", "--format", "json",
				"--journal", filepath.Join(t.TempDir(), "j.jsonl")}, tc.args...)
			code, stdout, stderr := runFixCmd(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s\n%s", code, tc.code, stderr, stdout)
			}
			rep := fixReport(t, stdout)
			got := itemStates(rep)
			for u, w := range tc.want {
				if got[u] != w {
					t.Errorf("%s: state %q, want %q", u, got[u], w)
				}
			}
			if _, ok := got["carol"]; ok && tc.name == "muted and review results are left alone" {
				t.Errorf("a muted result was planned: %v", got)
			}
			for u, w := range tc.reason {
				if r := reasonOf(rep, u); !strings.Contains(r, w) {
					t.Errorf("%s: reason %q, want %q", u, r, w)
				}
			}
			wantStatuses(t, srv, tc.keys)
		})
	}
}

// deleteKey deletes a key through the emulator's own API, as another admin would.
func deleteKey(t *testing.T, srv *awsemu.Server, user, id string) {
	t.Helper()
	cfg, err := loadAWSConfig(context.Background(), &scanOptions{
		live: liveOptions{maxAttempts: 1, maxBackoff: time.Second},
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	api := awsscan.NewIAMClient(cfg, awsscan.NewCallCounter())
	_, err = api.DeleteAccessKey(context.Background(), &iam.DeleteAccessKeyInput{
		UserName: aws.String(user), AccessKeyId: aws.String(id),
	})
	if err != nil {
		t.Fatal(err)
	}
	if keyStatus(srv, user) != "gone" {
		t.Fatalf("%s still has a key", user)
	}
}

// editScan rewrites a saved scan, changing each result with edit.
func editScan(t *testing.T, path string, edit func(*finding.Result)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc output.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for i := range doc.Results {
		edit(&doc.Results[i])
	}
	out, _ := json.Marshal(&doc)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFix_ThrottledApplyCompletes(t *testing.T) {
	srv := startFix(t)
	scan := saveScan(t)
	// Every other change and every fourth re-verification read is throttled.
	srv.SetFaults([]awsemu.Fault{
		{Action: "UpdateAccessKey", Error: "Throttling", Every: 2},
		{Action: "GetAccessKeyLastUsed", Error: "Throttling", Every: 4},
	})
	srv.ResetCounts()

	code, _, stderr := runFixCmd(t, "--from", scan, "--apply", "--yes", "--max-attempts",
		"30", "--journal", filepath.Join(t.TempDir(), "j.jsonl"))
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, u := range failingActive {
		wantStatuses(t, srv, map[string]string{u: "Inactive"})
	}
	if n := srv.Counts()["UpdateAccessKey"]; n <= 4 {
		t.Errorf("UpdateAccessKey requests %d: no throttling happened", n)
	}
}

// TestFix_FailureThenResume aborts a run with a service failure after two changes, then
// checks the journal and that a re-run finishes without repeating work.
func TestFix_FailureThenResume(t *testing.T) {
	srv := startFix(t)
	scan := saveScan(t)
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	srv.SetFaults([]awsemu.Fault{{Action: "UpdateAccessKey", Error: "ServiceFailure",
		After: 2}})

	code, stdout, stderr := runFixCmd(t, "--from", scan, "--apply", "--yes", "--journal",
		journal, "--max-attempts", "1")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s\n%s", code, stderr, stdout)
	}
	wantStatuses(t, srv, map[string]string{"alice": "Inactive", "bob": "Inactive",
		"carol": "Active", "henry": "Active"})
	outcomes := map[string]string{}
	for _, r := range readRecords(t, journal) {
		if r.Type == remediate.RecordOutcome {
			outcomes[r.UserName] = r.Outcome
		}
	}
	want := map[string]string{"alice": "done", "bob": "done", "carol": "failed",
		"henry": "skipped"}
	for u, w := range want {
		if outcomes[u] != w {
			t.Errorf("journal outcome of %s = %q, want %q", u, outcomes[u], w)
		}
	}
	if !strings.Contains(stdout, "Failed:") || !strings.Contains(stdout, "ServiceFailure") {
		t.Errorf("summary does not give the failure:\n%s", stdout)
	}

	srv.SetFaults(nil)
	srv.ResetCounts()
	code, stdout, stderr = runFixCmd(t, "--from", scan, "--apply", "--yes", "--journal",
		journal, "--format", "json")
	if code != ExitOK {
		t.Fatalf("re-run exit %d; stderr:\n%s", code, stderr)
	}
	if n := srv.Counts()["UpdateAccessKey"]; n != 2 {
		t.Errorf("re-run made %d changes, want 2 (carol, henry)", n)
	}
	got := itemStates(fixReport(t, stdout))
	for u, w := range map[string]string{"alice": "already", "bob": "already", "carol": "done",
		"henry": "done"} {
		if got[u] != w {
			t.Errorf("re-run: %s is %q, want %q", u, got[u], w)
		}
	}
}

// TestFix_InterruptedChangeIsReconciled stops a run while a change is in flight, leaving
// an intent without an outcome, which the next run settles from live state.
func TestFix_InterruptedChangeIsReconciled(t *testing.T) {
	srv := startFix(t)
	scan := saveScan(t)
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	srv.SetFaults([]awsemu.Fault{{Action: "UpdateAccessKey", LatencyMS: 5000}})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := Run(ctx, append([]string{"fix", "--from", scan, "--apply", "--yes", "--journal",
		journal}, fastFlags...), &Env{Stdin: strings.NewReader(""), Stdout: &out,
		Stderr: &errb, Getenv: func(string) string { return "" }})
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, errb.String())
	}
	open := remediate.Unresolved(readRecords(t, journal))
	if len(open) != 1 || open[0].UserName != "alice" {
		t.Fatalf("unresolved intents %+v, want alice's", open)
	}

	srv.SetFaults(nil)
	code, _, stderr := runFixCmd(t, "--from", scan, "--apply", "--yes", "--journal", journal)
	if code != ExitOK {
		t.Fatalf("re-run exit %d; stderr:\n%s", code, stderr)
	}
	recs := readRecords(t, journal)
	if open := remediate.Unresolved(recs); len(open) != 0 {
		t.Errorf("still unresolved: %+v", open)
	}
	var settled *remediate.Record
	for i := range recs {
		if recs[i].RecoveredBy != "" {
			settled = &recs[i]
		}
	}
	if settled == nil || settled.RunID != open0Run(t, recs) ||
		settled.Outcome != remediate.OutcomeNotApplied {
		t.Errorf("reconciled record %+v", settled)
	}
	for _, u := range failingActive {
		wantStatuses(t, srv, map[string]string{u: "Inactive"})
	}
}

// open0Run returns the ID of the first run in the journal.
func open0Run(t *testing.T, recs []remediate.Record) string {
	t.Helper()
	for _, r := range recs {
		if r.Type == remediate.RecordRun {
			return r.RunID
		}
	}
	t.Fatal("no run record")
	return ""
}

func TestUndo_RestoresDeactivatedKeys(t *testing.T) {
	srv := startFix(t)
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	if code, _, stderr := runFixCmd(t, "--apply", "--yes", "--journal", journal); code != 0 {
		t.Fatalf("fix exit %d; stderr:\n%s", code, stderr)
	}
	srv.ResetCounts()

	// The plan changes nothing.
	undo := []string{"undo", "--journal", journal, "--max-backoff", "100ms"}
	code, stdout, stderr := run(t, "", undo...)
	if code != ExitOK || !strings.Contains(stdout, "reactivate 4 access keys") {
		t.Fatalf("undo plan exit %d:\n%s%s", code, stdout, stderr)
	}
	if n := srv.Counts()["UpdateAccessKey"]; n != 0 {
		t.Errorf("the undo plan made %d changes", n)
	}

	code, stdout, stderr = run(t, "", append(undo, "--apply", "--yes", "--format",
		"json")...)
	if code != ExitOK {
		t.Fatalf("undo exit %d; stderr:\n%s\n%s", code, stderr, stdout)
	}
	wantStatuses(t, srv, map[string]string{"alice": "Active", "bob": "Active",
		"carol": "Active", "henry": "Active", "dave": "Inactive"})
	rep := fixReport(t, stdout)
	if rep.UndoOf == "" || rep.Summary[remediate.StateDone] != 4 {
		t.Errorf("undo report: undo_of %q summary %v", rep.UndoOf, rep.Summary)
	}

	// Undoing the same run again finds every key active already.
	code, stdout, _ = run(t, "", append(undo, "--run", rep.UndoOf, "--apply", "--yes")...)
	if code != ExitOK || !strings.Contains(stdout, "4 already") {
		t.Errorf("second undo exit %d:\n%s", code, stdout)
	}
}

func TestFix_DeleteRefusesActiveKeys(t *testing.T) {
	srv := startFix(t)
	journal := filepath.Join(t.TempDir(), "j.jsonl")

	code, stdout, stderr := runFixCmd(t, "--action", "delete", "--apply", "--yes",
		"--journal", journal)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	wantStatuses(t, srv, map[string]string{"dave": "gone", "alice": "Active",
		"henry": "Active"})
	if !strings.Contains(stdout, "deactivate it first, or use --force") {
		t.Errorf("no reason for the refused deletes:\n%s", stdout)
	}

	// Undo cannot bring a deleted key back, and says so.
	code, stdout, _ = run(t, "", "undo", "--journal", journal, "--apply", "--yes")
	if code != ExitFindings || !strings.Contains(stdout, "AKIAFIXDAVE000000001: deleted by "+
		"the run: a deleted key cannot be restored") {
		t.Errorf("undo of a delete exit %d:\n%s", code, stdout)
	}

	// --force deletes the active keys too; the plan warns first.
	code, stdout, _ = runFixCmd(t, "--action", "delete", "--force")
	if code != ExitOK || !strings.Contains(stdout, "delete cannot be undone") {
		t.Errorf("force plan exit %d:\n%s", code, stdout)
	}
	code, _, stderr = runFixCmd(t, "--action", "delete", "--force", "--apply", "--yes",
		"--journal", journal)
	if code != ExitOK {
		t.Fatalf("force exit %d; stderr:\n%s", code, stderr)
	}
	wantStatuses(t, srv, map[string]string{"alice": "gone", "henry": "gone",
		"erin": "Active", "grace": "Active"})
}

func TestFix_FromRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, doc any) string {
		path := filepath.Join(dir, name)
		data, _ := json.Marshal(doc)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	doc := func(age time.Duration, tool string, schema int) output.Document {
		return output.Document{SchemaVersion: schema, Tool: output.Tool{Name: tool},
			GeneratedAt: time.Now().Add(-age).UTC(), Results: []finding.Result{}}
	}

	tests := []struct {
		name string
		path string
		args []string
		want string
	}{
		{"stale", write("stale.json", doc(48*time.Hour, "keywarden", 1)), nil,
			"is older than --max-age 24h0m0s"},
		{"stale with short max-age", write("hour.json", doc(2*time.Hour, "keywarden", 1)),
			[]string{"--max-age", "1h"}, "older than --max-age 1h0m0s"},
		{"foreign tool", write("foreign.json", doc(0, "prowler", 1)), nil,
			`not a keywarden JSON scan (tool.name is "prowler")`},
		{"future schema", write("v2.json", doc(0, "keywarden", 2)), nil, "schema_version 2"},
		{"dated in the future", write("future.json", doc(-48*time.Hour, "keywarden", 1)),
			[]string{"--max-age", "1s"}, "in the future; check the file"},
		{"not JSON", example, nil, "not a keywarden JSON scan"},
		{"missing", filepath.Join(dir, "nope.json"), nil, "read --from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"fix", "--from", tc.path},
				tc.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("stderr %q, want %q; stdout %q", stderr, tc.want, stdout)
			}
		})
	}
}

func TestFix_Confirmation(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		args  []string
		stdin string
		code  int
		alice string
	}{
		{"no terminal without --yes", false, nil, "yes\n", ExitUsage, "Active"},
		{"terminal, declined", true, nil, "no\n", ExitUsage, "Active"},
		{"terminal, confirmed", true, nil, "yes\n", ExitOK, "Inactive"},
		{"--yes", false, []string{"--yes"}, "", ExitOK, "Inactive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFix(t)
			scan := saveScan(t)
			args := append([]string{"fix", "--from", scan, "--apply", "--journal",
				filepath.Join(t.TempDir(), "j.jsonl")}, tc.args...)
			var out, errb bytes.Buffer
			code := Run(context.Background(), append(args, fastFlags...), &Env{
				Stdin: strings.NewReader(tc.stdin), Stdout: &out, Stderr: &errb,
				StdinTerminal: tc.tty, Getenv: func(string) string { return "" },
			})
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			if tc.tty && !strings.Contains(errb.String(), "Type yes to continue") {
				t.Errorf("no prompt on stderr:\n%s", errb.String())
			}
			wantStatuses(t, srv, map[string]string{"alice": tc.alice})
		})
	}
}

func TestFix_ScriptIsValidBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: cannot check the script's syntax")
	}
	srv := startFix(t)
	scan := saveScan(t)
	editScan(t, scan, func(r *finding.Result) {
		if r.UserName == "bob" {
			r.UserName = "bob'; rm -rf / #\nreboot"
		}
	})

	code, stdout, stderr := runFixCmd(t, "--from", scan, "--format", "script")
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "plan.sh")
	if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s\n%s", err, out, stdout)
	}
	for _, want := range []string{"set -euo pipefail",
		"aws iam update-access-key --user-name 'alice' --access-key-id " +
			"'AKIAFIXALICE00000001' --status Inactive",
		"# account 111122223333 (use its credentials)",
		`--user-name 'bob'\''; rm -rf / #` + "\nreboot'"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("script lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "reboot") && !strings.HasPrefix(line, "reboot'") {
			t.Errorf("a name escaped its quotes: %q", line)
		}
	}
	if n := srv.Counts()["UpdateAccessKey"]; n != 0 {
		t.Errorf("the script plan made %d changes", n)
	}
}

// TestUndo_CustomRole fixes a key in a member account reached through a role other than the
// default, and undoes it through the same role.
func TestUndo_CustomRole(t *testing.T) {
	srv := emutest.StartJSON(t, `{"now": "2025-06-10T12:00:00Z",
	 "accounts": [{"id": "111122223333"},
	  {"id": "444455556666", "roles": ["Custom"],
	   "report": {"generated": "2025-06-10T11:00:00Z"},
	   "users": [{"name": "dana", "created": "2025-06-01T10:00:00Z",
	    "password": {"created": "2025-06-01T10:00:00Z"},
	    "access_keys": [{"id": "AKIAROLECUSTOM000001", "created": "2025-06-01T10:00:01Z"}]}]}]}`)
	liveEnv(t, srv)
	journal := filepath.Join(t.TempDir(), "j.jsonl")

	code, _, stderr := runFixCmd(t, "--accounts", "444455556666", "--role-name", "Custom",
		"--apply", "--yes", "--journal", journal)
	if code != ExitOK {
		t.Fatalf("fix: exit %d; stderr:\n%s", code, stderr)
	}
	if got := srv.AccessKeys("444455556666", "dana")[0].Status; got != "Inactive" {
		t.Fatalf("after fix: %s, want Inactive", got)
	}

	// The journal remembers the role, so undo needs no --role-name.
	code, _, stderr = run(t, "", "undo", "--journal", journal, "--apply", "--yes")
	if code != ExitOK {
		t.Fatalf("undo: exit %d; stderr:\n%s", code, stderr)
	}
	if got := srv.AccessKeys("444455556666", "dana")[0].Status; got != "Active" {
		t.Errorf("after undo: %s, want Active", got)
	}
}
