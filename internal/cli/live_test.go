package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
)

// verdictScenario holds one account whose users cover every verdict, a report generated at
// 09:00, and users and keys that changed after it.
const verdictScenario = `{
 "now": "2025-06-10T12:00:00Z", "report_time_format": "Z", "report_generation_seconds": 0,
 "accounts": [{"id": "111122223333", "created": "2019-03-01T08:00:00Z",
  "report": {"generated": "2025-06-10T09:00:00Z"},
  "users": [
   {"name": "alice", "created": "2025-03-10T09:00:00Z",
    "password": {"created": "2025-03-10T09:00:01Z"},
    "access_keys": [{"id": "AKIAEXAMPLEALICE0001", "created": "2025-03-10T09:00:01Z"}]},
   {"name": "bob-ci", "created": "2024-11-02T14:20:00Z",
    "access_keys": [{"id": "AKIAEXAMPLEBOBCI0001", "created": "2024-11-02T14:20:00Z"}]},
   {"name": "carol", "created": "2024-01-15T10:00:00Z",
    "password": {"created": "2024-01-15T10:00:02Z"}},
   {"name": "dave", "created": "2025-02-01T12:00:00Z",
    "password": {"created": "2025-02-01T12:00:01Z"},
    "access_keys": [{"id": "AKIAEXAMPLEDAVE00001", "created": "2025-02-01T12:00:02Z",
     "status": "Inactive"}]},
   {"name": "erin", "created": "2023-07-20T07:45:00Z",
    "password": {"created": "2023-07-20T07:45:00Z"},
    "access_keys": [{"id": "AKIAEXAMPLEERIN00001", "created": "2023-07-20T07:45:01Z",
     "last_used": {"date": "2025-06-02T11:05:00Z", "service": "s3", "region": "us-east-1"}}]},
   {"name": "frank", "created": "2022-09-05T13:10:00Z",
    "password": {"created": "2022-09-05T13:10:01Z"},
    "access_keys": [{"id": "AKIAEXAMPLEFRANK0001", "created": "2023-01-11T09:30:00Z"}]},
   {"name": "grace", "created": "2014-06-12T18:00:00Z",
    "password": {"created": "2014-06-12T18:00:00Z"},
    "access_keys": [{"id": "AKIAEXAMPLEGRACE0001", "created": "2014-06-12T18:00:00Z"}]},
   {"name": "gone", "created": "2025-05-01T10:00:00Z", "deleted": "2025-06-10T10:00:00Z",
    "password": {"created": "2025-05-01T10:00:00Z"}},
   {"name": "ivan", "created": "2023-03-03T03:00:00Z",
    "password": {"created": "2023-03-03T03:00:00Z"},
    "access_keys": [
     {"id": "AKIAEXAMPLEIVAN00001", "created": "2024-08-19T15:00:00Z"},
     {"id": "AKIAEXAMPLEIVAN00002", "created": "2023-03-03T03:00:00Z",
      "last_used": {"date": "2025-06-04T06:45:00Z", "service": "sts",
       "region": "us-west-2"}}]},
   {"name": "late", "created": "2025-05-05T05:00:00Z",
    "password": {"created": "2025-05-05T05:00:00Z"},
    "access_keys": [{"id": "AKIAEXAMPLELATE00001", "created": "2025-05-05T05:00:01Z",
     "last_used": {"date": "2025-06-10T11:30:00Z", "service": "s3", "region": "eu-west-1"}}]},
   {"name": "newbie", "created": "2025-06-10T10:30:00Z",
    "password": {"created": "2025-06-10T10:30:00Z"},
    "access_keys": [{"id": "AKIAEXAMPLENEWBIE001", "created": "2025-06-10T10:30:02Z"}]},
   {"name": "twin", "created": "2025-04-01T08:00:00Z",
    "password": {"created": "2025-04-01T08:00:00Z"},
    "access_keys": [
     {"id": "AKIAEXAMPLETWIN00001", "created": "2025-04-01T08:00:01Z"},
     {"id": "AKIAEXAMPLETWIN00002", "created": "2025-04-01T08:00:01Z"}]}
  ]}]}`

// liveEnv points the SDK's standard settings at the emulator.
func liveEnv(t testing.TB, srv *awsemu.Server) {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAADMINEXAMPLE0000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "admin-secret-not-real")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// fastFlags keep retries and polls short in tests.
var fastFlags = []string{"--poll-interval", "50ms", "--max-backoff", "100ms",
	"--report-timeout", "10s"}

// liveScan runs a live scan as JSON and decodes the document.
func liveScan(t *testing.T, args ...string) (int, *output.Document, string) {
	t.Helper()
	all := append([]string{"scan", "--format", "json"}, fastFlags...)
	code, stdout, stderr := run(t, "", append(all, args...)...)
	if stdout == "" {
		return code, nil, stderr
	}
	var doc output.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	return code, &doc, stderr
}

// verdictKey names a result in a test.
func verdictKey(r *finding.Result) string {
	key := "-"
	switch {
	case r.AccessKeyID != nil:
		key = *r.AccessKeyID
	case r.KeySlot != nil:
		key = fmt.Sprintf("slot%d", *r.KeySlot)
	}
	return r.UserName + "/" + key
}

func verdicts(doc *output.Document) map[string]string {
	m := map[string]string{}
	for i := range doc.Results {
		r := &doc.Results[i]
		m[verdictKey(r)] = string(r.Status) + " " + string(r.Reason)
	}
	return m
}

var wantLive = map[string]string{
	"<root_account>/-":           "not_applicable root-account",
	"alice/AKIAEXAMPLEALICE0001": "fail created-at-setup-unused",
	"bob-ci/-":                   "not_applicable no-console-password",
	"carol/-":                    "pass no-access-keys",
	"dave/AKIAEXAMPLEDAVE00001":  "fail created-at-setup-unused",
	// Passing keys need no live call, so they keep their report slot and have no ID.
	"erin/slot1":                 "pass created-at-setup-in-use",
	"frank/slot1":                "pass created-after-setup",
	"grace/AKIAEXAMPLEGRACE0001": "review usage-unknown-before-tracking",
	"ivan/slot1":                 "pass created-after-setup",
	"ivan/slot2":                 "pass created-at-setup-in-use",
	// Used after the report was generated: the live re-check turns the fail into a pass.
	"late/AKIAEXAMPLELATE00001": "pass created-at-setup-in-use",
	// Created after the report: found through ListUsers and evaluated through the API.
	"newbie/AKIAEXAMPLENEWBIE001": "fail created-at-setup-unused",
	// Two keys in one second: the report slots cannot be tied to IDs.
	"twin/slot1": "review key-id-ambiguous",
	"twin/slot2": "review key-id-ambiguous",
}

func TestLiveScan_Verdicts(t *testing.T) {
	srv := emutest.StartJSON(t, verdictScenario)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	got := verdicts(doc)
	for k, want := range wantLive {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	for k := range got {
		if _, ok := wantLive[k]; !ok {
			t.Errorf("unexpected result %s = %q", k, got[k])
		}
	}

	if !strings.Contains(stderr, "user gone is in the credential report but no longer "+
		"exists; dropped") {
		t.Errorf("no note about the deleted user:\n%s", stderr)
	}
	for i := range doc.Results {
		r := &doc.Results[i]
		if r.Status == finding.StatusFail && (r.Remediation == nil ||
			!strings.Contains(r.Remediation.Commands[0], "--access-key-id "+*r.AccessKeyID)) {
			t.Errorf("%s: remediation without the exact key ID: %+v", verdictKey(r),
				r.Remediation)
		}
		if verdictKey(r) == "late/AKIAEXAMPLELATE00001" && len(r.Notes) == 0 {
			t.Errorf("late: no note that live data changed the verdict")
		}
	}
	if doc.APICalls["GetCredentialReport"] != 1 || doc.APICalls["ListUsers"] != 1 {
		t.Errorf("api calls = %v", doc.APICalls)
	}
	if got := srv.Counts()["DeleteAccessKey"] + srv.Counts()["UpdateAccessKey"]; got != 0 {
		t.Errorf("a scan changed keys: %d calls", got)
	}
}

// TestLiveScan_ReportDeniedFallback checks that the API path gives the same verdicts when
// the credential report is denied. The account root is invisible to the API path.
func TestLiveScan_ReportDeniedFallback(t *testing.T) {
	sc := strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "GenerateCredentialReport", "error": "AccessDenied"},
	  {"action": "GetCredentialReport", "error": "AccessDenied"}],
	 "accounts"`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t)
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "credential report denied") {
		t.Errorf("no fallback warning:\n%s", stderr)
	}
	// The API path knows every key ID, so compare the verdicts per user.
	want := byUser(wantLive)
	delete(want, "<root_account>")
	// Without a report there is no slot to tie: each twin key is judged by its own ID.
	want["twin"] = "fail created-at-setup-unused|fail created-at-setup-unused"
	got := byUser(verdicts(doc))
	for u, w := range want {
		if got[u] != w {
			t.Errorf("%s = %q, want %q", u, got[u], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("users %d, want %d: %v", len(got), len(want), got)
	}
	if doc.Sources[0].Format != "api" {
		t.Errorf("method %q, want api", doc.Sources[0].Format)
	}
}

// byUser joins the sorted verdicts of each user.
func byUser(v map[string]string) map[string]string {
	lists := map[string][]string{}
	for k, s := range v {
		user := k[:strings.LastIndex(k, "/")]
		lists[user] = append(lists[user], s)
	}
	out := map[string]string{}
	for u, l := range lists {
		sort.Strings(l)
		out[u] = strings.Join(l, "|")
	}
	return out
}

func TestLiveScan_ReportNeverCompletes(t *testing.T) {
	sc := strings.Replace(verdictScenario, `"report": {"generated": "2025-06-10T09:00:00Z"},`,
		`"report_generation_seconds": -1,`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t, "--report-timeout", "1s")
	if code != ExitUnreachable {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	if len(doc.Accounts) != 1 || doc.Accounts[0].ScanStatus != "error" ||
		doc.Accounts[0].ID != "111122223333" {
		t.Fatalf("accounts = %+v", doc.Accounts)
	}
	if !strings.Contains(doc.Accounts[0].Error, "did not complete in time") {
		t.Errorf("error %q", doc.Accounts[0].Error)
	}
	// The gap is one error result, never a pass.
	if doc.Summary[finding.StatusPass] != 0 || doc.Summary[finding.StatusError] != 1 ||
		len(doc.Results) != 1 || doc.Results[0].Reason != finding.ReasonAccountUnreachable {
		t.Errorf("summary %v results %+v, want one account-unreachable error", doc.Summary,
			doc.Results)
	}
}

func TestLiveScan_Throttled(t *testing.T) {
	sc := strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "*", "error": "Throttling", "fraction": 0.5}],
	 "accounts"`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t, "--max-attempts", "30")
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	got := verdicts(doc)
	for k, want := range wantLive {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	total := 0
	for _, n := range srv.Counts() {
		total += n
	}
	calls := 0
	for _, n := range doc.APICalls {
		calls += n
	}
	if total <= calls {
		t.Errorf("emulator saw %d requests for %d calls: no throttling happened", total, calls)
	}
}

func TestLiveScan_Pagination(t *testing.T) {
	sc := &awsemu.Scenario{
		Now: time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC),
		Accounts: []awsemu.Account{{ID: "111122223333",
			Report: &awsemu.ReportSpec{Generated: time.Date(2025, 6, 10, 11, 0, 0, 0,
				time.UTC)}}},
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2500; i++ {
		created := base.Add(time.Duration(i) * time.Hour)
		u := awsemu.User{Name: fmt.Sprintf("user-%04d", i), Created: created}
		if i%100 == 0 {
			u.Password = &awsemu.Password{Created: created}
			u.AccessKeys = []awsemu.AccessKey{{ID: fmt.Sprintf("AKIAPAGE%012d", i),
				Created: created.Add(time.Second), Status: "Active"}}
		}
		sc.Accounts[0].Users = append(sc.Accounts[0].Users, u)
	}
	srv := emutest.Start(t, sc)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t, "--status", "fail")
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if doc.Summary[finding.StatusFail] != 25 || len(doc.Results) != 25 {
		t.Errorf("fails %d results %d, want 25", doc.Summary[finding.StatusFail],
			len(doc.Results))
	}
	if doc.Sources[0].Users != 2501 {
		t.Errorf("users %d, want 2501 with root", doc.Sources[0].Users)
	}
	if doc.APICalls["ListUsers"] != 3 {
		t.Errorf("ListUsers calls %d, want 3 pages of 1000", doc.APICalls["ListUsers"])
	}
	for _, n := range []int{doc.APICalls["ListAccessKeys"], doc.APICalls["GetAccessKeyLastUsed"]} {
		if n != 25 {
			t.Errorf("per-key calls %v, want 25 each: only flagged users", doc.APICalls)
		}
	}
}

func TestLiveScan_Cancel(t *testing.T) {
	sc := strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "ListUsers", "latency_ms": 5000}],
	 "accounts"`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errb strings.Builder
	start := time.Now()
	code := Run(ctx, append([]string{"scan", "--format", "json"}, fastFlags...), &Env{
		Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
	})
	if code != 130 {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("output written after cancellation:\n%s", out.String())
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("cancellation took %s", time.Since(start))
	}
}

// TestLiveScan_NoSecretsInLogs runs a debug-level live scan with a throttled endpoint, so
// retries and errors are logged, and checks that no credential reaches stderr or stdout.
func TestLiveScan_NoSecretsInLogs(t *testing.T) {
	sc := strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "GetCredentialReport", "error": "Throttling", "every": 2}],
	 "accounts"`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)
	const secret, token = "SECRETMARKERdoNotLog0123456789", "TOKENMARKERdoNotLog0123456789"
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", token)

	_, stdout, stderr := run(t, "", append([]string{"scan", "--format", "json",
		"--log-level", "debug"}, fastFlags...)...)
	if !strings.Contains(stderr, "level=DEBUG") {
		t.Fatalf("no debug log on stderr:\n%s", stderr)
	}
	for _, s := range []string{secret, token} {
		if strings.Contains(stderr, s) || strings.Contains(stdout, s) {
			t.Errorf("a credential reached the output")
		}
	}
}

// TestLiveScan_Hints checks the message and fix of failures that are not the account's
// fault: an endpoint that cannot be reached, and a temporary AWS failure.
func TestLiveScan_Hints(t *testing.T) {
	srv := emutest.StartJSON(t, strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "ListUsers", "error": "ServiceFailure"}],
	 "accounts"`, 1))
	liveEnv(t, srv)

	code, doc, _ := liveScan(t, "--max-attempts", "1")
	if code != ExitUnreachable || !strings.Contains(doc.Accounts[0].Fix,
		"temporary failure; retry later, or raise --max-attempts") {
		t.Errorf("ServiceFailure: exit %d fix %q", code, doc.Accounts[0].Fix)
	}

	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	code, _, stderr := liveScan(t, "--max-attempts", "1")
	if code != ExitUnreachable || !strings.Contains(stderr,
		"the AWS endpoint could not be reached") {
		t.Errorf("endpoint down: exit %d stderr %s", code, stderr)
	}
}
