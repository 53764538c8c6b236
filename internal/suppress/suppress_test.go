package suppress

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// now is the clock of every test: 2026-05-01 12:00 UTC.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// result returns a failing key result; keyID may be empty.
func result(account, user, keyID string) finding.Result {
	slot := 1
	created := time.Date(2025, 3, 10, 9, 0, 1, 0, time.UTC)
	delta := int64(1)
	r := finding.Result{
		RuleID: "aws-iam-user-setup-access-key", Status: finding.StatusFail,
		Severity: finding.SeverityMedium, Reason: finding.ReasonSetupUnused,
		AccountID: account, UserName: user, KeySlot: &slot, KeyStatus: "Active",
		KeyCreatedAt: &created, SetupDeltaSeconds: &delta,
		Message: "active access key 1 was created 1s after the user",
		Remediation: &finding.Remediation{Summary: "delete it",
			Commands: []string{"aws iam delete-access-key"}},
	}
	if keyID != "" {
		r.AccessKeyID = &keyID
	}
	return r
}

// entryYAML builds a file with one entry made of the given field lines.
func entryYAML(lines ...string) string {
	return "suppressions:\n  - " + strings.Join(lines, "\n    ") + "\n"
}

const okTail = "reason: accepted\n    expires: 2026-06-30"

func TestApply_Match(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		result finding.Result
		want   bool
	}{
		{"account", `account: "111122223333"`, result("111122223333", "alice", ""), true},
		{"other account", `account: "444455556666"`, result("111122223333", "alice", ""),
			false},
		{"account unquoted", `account: 111122223333`, result("111122223333", "bob", ""), true},
		{"user", "user: alice", result("111122223333", "alice", ""), true},
		{"user glob", `user: "ci-*"`, result("111122223333", "ci-deploy", ""), true},
		{"user glob miss", `user: "ci-*"`, result("111122223333", "alice-ci", ""), false},
		{"key id", "access_key_id: AKIAEXAMPLE000000001",
			result("111122223333", "alice", "AKIAEXAMPLE000000001"), true},
		{"key id unknown in result", "access_key_id: AKIAEXAMPLE000000001",
			result("111122223333", "alice", ""), false},
		{"rule", "rule: aws-iam-user-setup-access-key", result("1", "alice", ""), true},
		{"all fields", "rule: aws-iam-user-setup-access-key\n    account: \"111122223333\"" +
			"\n    user: \"ci-*\"\n    access_key_id: AKIAEXAMPLE000000001",
			result("111122223333", "ci-x", "AKIAEXAMPLE000000001"), true},
		{"all fields one differs", "account: \"111122223333\"\n    user: \"ci-*\"",
			result("111122223333", "dev-x", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse("s.yaml", strings.NewReader(entryYAML(tt.fields, okTail)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			r := tt.result
			if got := set.Apply(&r, now); got != tt.want {
				t.Errorf("Apply = %v, want %v", got, tt.want)
			}
			wantStatus := finding.StatusFail
			if tt.want {
				wantStatus = finding.StatusMuted
			}
			if r.Status != wantStatus {
				t.Errorf("status = %s, want %s", r.Status, wantStatus)
			}
		})
	}
}

func TestApply_OnlyFailAndReview(t *testing.T) {
	set, err := Parse("s.yaml", strings.NewReader(entryYAML("user: alice", okTail)))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range finding.Statuses {
		r := result("111122223333", "alice", "")
		r.Status = st
		want := st == finding.StatusFail || st == finding.StatusReview
		if got := set.Apply(&r, now); got != want {
			t.Errorf("Apply(%s) = %v, want %v", st, got, want)
		}
	}
}

func TestApply_KeepsEvidence(t *testing.T) {
	src := entryYAML("user: alice", "reason: break-glass user", "expires: 2026-06-30",
		"owner: platform-team")
	set, err := Parse("s.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	orig := result("111122223333", "alice", "AKIAEXAMPLE000000001")
	r := orig

	if !set.Apply(&r, now) {
		t.Fatal("Apply = false, want true")
	}
	want := &finding.Suppression{Reason: "break-glass user", Owner: "platform-team",
		Expires: "2026-06-30", Entry: 1}
	if *r.Suppression != *want {
		t.Errorf("Suppression = %+v, want %+v", *r.Suppression, *want)
	}
	note := "muted fail: break-glass user (owner platform-team, expires 2026-06-30)"
	if len(r.Notes) != 1 || r.Notes[0] != note {
		t.Errorf("Notes = %q, want [%q]", r.Notes, note)
	}
	if r.Severity != orig.Severity || r.Reason != orig.Reason || r.Message != orig.Message ||
		r.KeyCreatedAt != orig.KeyCreatedAt || r.SetupDeltaSeconds != orig.SetupDeltaSeconds ||
		r.Remediation != orig.Remediation || r.AccessKeyID != orig.AccessKeyID {
		t.Errorf("evidence changed: got %+v, want %+v", r, orig)
	}
}

func TestApply_Expiry(t *testing.T) {
	tests := []struct {
		name    string
		expires string
		want    bool
	}{
		{"future date", "2026-06-30", true},
		{"today", "2026-05-01", true},
		{"yesterday", "2026-04-30", false},
		{"rfc3339 later today", "2026-05-01T18:00:00Z", true},
		{"rfc3339 earlier today", "2026-05-01T08:00:00Z", false},
		{"rfc3339 offset", "2026-05-01T13:30:00+02:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := entryYAML("user: alice", "reason: r", "expires: "+tt.expires)
			set, err := Parse("s.yaml", strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			r := result("111122223333", "alice", "")
			if got := set.Apply(&r, now); got != tt.want {
				t.Errorf("Apply = %v, want %v", got, tt.want)
			}
			warned := len(set.Warnings(now)) == 1 &&
				strings.Contains(set.Warnings(now)[0], "expired")
			if warned == tt.want {
				t.Errorf("expired warning = %v, want %v: %q", warned, !tt.want,
					set.Warnings(now))
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	src := `suppressions:
  - user: alice
    reason: used
    expires: 2026-06-30
  - user: nobody
    reason: unused
    expires: 2026-06-30
  - user: bob
    reason: old
    expires: 2025-01-31
`
	set, err := Parse("team.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		r := result("111122223333", u, "")
		set.Apply(&r, now)
	}

	got := set.Warnings(now)
	want := []string{
		"team.yaml:8: suppression 3 expired on 2025-01-31 and no longer mutes results: " +
			"renew or remove it",
		"team.yaml:5: suppression 2 matched no result: remove it if it is no longer needed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"missing reason", entryYAML("user: alice", "expires: 2026-06-30"),
			"s.yaml:2: reason: missing in suppression 1"},
		{"missing expiry", entryYAML("user: alice", "reason: r"),
			"s.yaml:2: expires: missing in suppression 1"},
		{"no match field", entryYAML(okTail),
			"s.yaml:2: suppression 1 would match every result"},
		{"unknown field", entryYAML("user: alice", "until: 2026-06-30", okTail),
			"s.yaml:3: until: unknown field in suppression 1"},
		{"unknown top-level field", "ignore: []\nsuppressions: []\n",
			"s.yaml:1: ignore: unknown field"},
		{"bad date", entryYAML("user: alice", "reason: r", "expires: 30/06/2026"),
			"s.yaml:4: expires: \"30/06/2026\": expected a date"},
		{"bad glob", entryYAML(`user: "ci-["`, okTail), "s.yaml:2: user: bad glob"},
		{"bad account", entryYAML("account: 1234", okTail),
			"s.yaml:2: account: \"1234\" is not an AWS account ID"},
		{"unknown rule", entryYAML("rule: nope", okTail), "s.yaml:2: rule: unknown rule"},
		{"empty value", entryYAML(`user: ""`, okTail), "s.yaml:2: user: must not be empty"},
		{"duplicate", entryYAML("user: a", "user: b", okTail), "s.yaml:3: user: given twice"},
		{"list value", entryYAML("user: [a, b]", okTail), "s.yaml:2: user: expected a single"},
		{"not a list", "suppressions: 3\n", "s.yaml:1: suppressions: expected a list"},
		{"empty file", "", "s.yaml:1: empty file"},
		{"syntax", "suppressions: [\n", "parse suppressions s.yaml: yaml: line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("Parse: no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParse_ErrorType(t *testing.T) {
	_, err := Parse("s.yaml", strings.NewReader(entryYAML("user: alice")))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if e.File != "s.yaml" || e.Line != 2 || e.Field != "reason" {
		t.Errorf("Error = %+v, want file s.yaml, line 2, field reason", *e)
	}
}

func TestParse_EmptyList(t *testing.T) {
	for _, src := range []string{"suppressions: []\n", "suppressions:\n"} {
		set, err := Parse("s.yaml", strings.NewReader(src))
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if len(set.Entries()) != 0 || len(set.Warnings(now)) != 0 {
			t.Errorf("Parse(%q): entries %d, warnings %q, want none", src,
				len(set.Entries()), set.Warnings(now))
		}
	}
}

func TestLoad_BriefExample(t *testing.T) {
	src := `suppressions:
  - rule: aws-iam-user-setup-access-key
    account: "111122223333"
    user: "ci-*"
    access_key_id: AKIAEXAMPLE000000001
    reason: break-glass user, keys held in the vault
    expires: 2026-06-30
    owner: platform-team
`
	p := filepath.Join(t.TempDir(), "suppressions.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	e := set.Entries()[0]
	want := Entry{Account: "111122223333", User: "ci-*", AccessKeyID: "AKIAEXAMPLE000000001",
		Rule: "aws-iam-user-setup-access-key", Reason: "break-glass user, keys held in the vault",
		Owner: "platform-team", ExpiresText: "2026-06-30",
		Expires: time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.UTC), Index: 1, Line: 2}
	if e != want {
		t.Errorf("entry = %+v, want %+v", e, want)
	}

	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("Load(missing): no error")
	}
}

func TestApply_Concurrent(t *testing.T) {
	src := entryYAML(`user: "u-*"`, okTail)
	set, err := Parse("s.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := result("111122223333", fmt.Sprintf("u-%d", i), "")
			set.Apply(&r, now)
		}()
	}
	wg.Wait()
	if w := set.Warnings(now); len(w) != 0 {
		t.Errorf("Warnings = %q, want none", w)
	}
}

func TestApply_NilSet(t *testing.T) {
	var set *Set
	r := result("111122223333", "alice", "")
	if set.Apply(&r, now) || set.Warnings(now) != nil {
		t.Error("a nil set muted or warned")
	}
}
