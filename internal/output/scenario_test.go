package output

import (
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
	"github.com/keywarden/keywarden/internal/suppress"
)

// Fixed clock values, so goldens never change between runs.
var (
	scenarioNow    = time.Date(2025, 6, 5, 12, 0, 0, 0, time.UTC)
	scenarioReport = time.Date(2025, 6, 5, 11, 30, 0, 0, time.UTC)
)

// Accounts of the shared scenario.
const (
	acctSandbox = "111122223333"
	acctProd    = "444455556666"
	acctLegacy  = "555566667777"
)

// scenarioSuppressions mutes one live key in the prod account.
const scenarioSuppressions = `suppressions:
  - account: "444455556666"
    user: "ci-*"
    access_key_id: AKIAEXAMPLE000000001
    reason: break-glass user, keys held in the vault
    expires: 2026-06-30
    owner: platform-team
`

// scenario builds the document every golden renders: the example credential report with
// every status, live results with key IDs in a second account (one muted), and a third
// account that could not be scanned.
func scenario(t *testing.T) *Document {
	t.Helper()

	results := reportResults(t)
	results = append(results, liveResults(t)...)
	results = append(results, finding.Result{
		RuleID: rule.ID, Status: finding.StatusError, Severity: finding.SeverityInfo,
		Reason: finding.ReasonAccountUnreachable, AccountID: acctLegacy, Partition: "aws",
		Message: "assume role OrganizationAccountAccessRole in 555566667777: AccessDenied",
		Source:  finding.Source{Kind: "api"},
	})
	SortResults(results)

	return &Document{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "keywarden", Version: "0.9.0-test"},
		GeneratedAt:   scenarioNow,
		Sources: []Source{
			{Kind: "credential-report", Path: "examples/credential-report.csv", Format: "csv",
				AccountID: acctSandbox, Partition: "aws", Users: 14},
			{Kind: "api", AccountID: acctProd, Partition: "aws", GeneratedAt: &scenarioReport,
				Users: 3},
		},
		Summary:  finding.Summarize(results),
		Accounts: scenarioAccounts(results),
		APICalls: map[string]int{"GenerateCredentialReport": 1, "GetCredentialReport": 1,
			"ListAccessKeys": 3, "GetAccessKeyLastUsed": 3},
		Results:  results,
		Warnings: []string{"examples/credential-report.csv: report has no generation time"},
	}
}

// reportResults evaluates the example credential report as an offline scan does.
func reportResults(t *testing.T) []finding.Result {
	t.Helper()
	rep, err := credreport.ReadFile("../../examples/credential-report.csv")
	if err != nil {
		t.Fatalf("read example report: %v", err)
	}
	rep.Path = "examples/credential-report.csv"

	var out []finding.Result
	var u rule.User
	for i := range rep.Rows {
		rule.FromRow(&u, rep, &rep.Rows[i])
		out = append(out, rule.Evaluate(&u, rule.Options{})...)
	}
	return out
}

// liveResults evaluates three users as a live scan sees them, with key IDs, and applies
// the scenario suppressions.
func liveResults(t *testing.T) []finding.Result {
	t.Helper()
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	src := finding.Source{Kind: "api", GeneratedAt: &scenarioReport}
	user := func(name, created string, keys ...rule.Key) rule.User {
		return rule.User{AccountID: acctProd, Partition: "aws", Name: name,
			ARN:     "arn:aws:iam::" + acctProd + ":user/" + name,
			Created: *at(created), PasswordEnabled: "true", Keys: keys, Source: src}
	}
	users := []rule.User{
		user("ci-deploy", "2025-02-01T10:00:00Z", rule.Key{Slot: 1,
			ID: "AKIAEXAMPLE000000001", Active: true, Created: at("2025-02-01T10:00:01Z")}),
		user("ci-build", "2025-02-02T10:00:00Z", rule.Key{Slot: 1,
			ID: "AKIAEXAMPLE000000002", Active: false, Created: at("2025-02-02T10:00:02Z")}),
		user("svc-report", "2024-09-09T09:00:00Z", rule.Key{Slot: 1,
			ID: "AKIAEXAMPLE000000003", Active: true, Created: at("2024-10-01T09:00:00Z"),
			LastUsed: at("2025-06-04T08:00:00Z"), LastUsedService: "s3",
			LastUsedRegion: "eu-central-1"}),
	}

	set, err := suppress.Parse("suppressions.yaml", strings.NewReader(scenarioSuppressions))
	if err != nil {
		t.Fatal(err)
	}
	var out []finding.Result
	for i := range users {
		for _, r := range rule.Evaluate(&users[i], rule.Options{}) {
			set.Apply(&r, scenarioNow)
			out = append(out, r)
		}
	}
	return out
}

// scenarioAccounts describes the three accounts with their per-status counts.
func scenarioAccounts(rs []finding.Result) []Account {
	counts := map[string]map[string]int{}
	for _, r := range rs {
		if counts[r.AccountID] == nil {
			counts[r.AccountID] = map[string]int{}
		}
		counts[r.AccountID][string(r.Status)]++
	}
	return []Account{
		{ID: acctSandbox, Name: "sandbox", State: "ACTIVE", ScanStatus: "scanned",
			DurationMS: 812, Summary: counts[acctSandbox]},
		{ID: acctProd, Name: "prod", State: "ACTIVE", ScanStatus: "scanned", DurationMS: 640,
			APICalls: map[string]int{"ListAccessKeys": 3}, Summary: counts[acctProd]},
		{ID: acctLegacy, Name: "legacy", State: "ACTIVE", ScanStatus: "error",
			Error:   "assume role OrganizationAccountAccessRole: AccessDenied",
			Fix:     "deploy the keywarden role in the account or pass --role-name",
			Summary: counts[acctLegacy]},
	}
}

func TestScenario_CoversEveryStatus(t *testing.T) {
	doc := scenario(t)
	for _, st := range finding.Statuses {
		if doc.Summary[st] == 0 {
			t.Errorf("scenario has no %s result", st)
		}
	}
}
