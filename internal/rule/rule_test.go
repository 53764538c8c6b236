package rule

import (
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

var userCreated = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time {
	t := userCreated.Add(d)
	return &t
}

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// verdict is the part of a result a rule test checks.
type verdict struct {
	slot     int
	status   finding.Status
	reason   finding.Reason
	severity finding.Severity
}

func TestEvaluate(t *testing.T) {
	console := func(keys ...Key) User {
		return User{Name: "alice", AccountID: "111122223333", PasswordEnabled: "true",
			Created: userCreated, Keys: keys}
	}
	tests := []struct {
		name string
		user User
		want []verdict
	}{
		{"root account", User{Name: "<root_account>", IsRoot: true, PasswordEnabled: "true",
			Keys: []Key{{Slot: 1, Active: true, Created: at(0)}}},
			[]verdict{{0, finding.StatusNotApplicable, finding.ReasonRootAccount, "info"}}},
		{"no console password", User{Name: "ci", PasswordEnabled: "false", Created: userCreated,
			Keys: []Key{{Slot: 1, Active: true, Created: at(0)}}},
			[]verdict{{0, finding.StatusNotApplicable, finding.ReasonNoConsolePassword, "info"}}},
		{"password not_supported", User{Name: "odd", PasswordEnabled: "not_supported"},
			[]verdict{{0, finding.StatusNotApplicable, finding.ReasonNoConsolePassword, "info"}}},
		{"console user without keys", console(),
			[]verdict{{0, finding.StatusPass, finding.ReasonNoAccessKeys, "info"}}},
		{"active setup key unused", console(Key{Slot: 1, Active: true, Created: at(time.Second)}),
			[]verdict{{1, finding.StatusFail, finding.ReasonSetupUnused, "medium"}}},
		{"inactive setup key unused", console(Key{Slot: 1, Created: at(0)}),
			[]verdict{{1, finding.StatusFail, finding.ReasonSetupUnused, "low"}}},
		{"setup key used", console(Key{Slot: 1, Active: true, Created: at(2 * time.Second),
			LastUsed: at(time.Hour)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonSetupInUse, "info"}}},
		{"key after setup", console(Key{Slot: 1, Active: true, Created: at(48 * time.Hour)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonCreatedAfterSetup, "info"}}},
		{"window edge 60s is setup", console(Key{Slot: 1, Active: true,
			Created: at(60 * time.Second)}),
			[]verdict{{1, finding.StatusFail, finding.ReasonSetupUnused, "medium"}}},
		{"window edge 61s is after", console(Key{Slot: 1, Active: true,
			Created: at(61 * time.Second)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonCreatedAfterSetup, "info"}}},
		{"used setup key in slot 2, unused later key in slot 1", console(
			Key{Slot: 1, Active: true, Created: at(30 * 24 * time.Hour)},
			Key{Slot: 2, Active: true, Created: at(0), LastUsed: at(time.Hour)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonCreatedAfterSetup, "info"},
				{2, finding.StatusPass, finding.ReasonSetupInUse, "info"}}},
		{"mirror: used setup key in slot 1, unused later key in slot 2", console(
			Key{Slot: 1, Active: true, Created: at(0), LastUsed: at(time.Hour)},
			Key{Slot: 2, Active: true, Created: at(30 * 24 * time.Hour)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonSetupInUse, "info"},
				{2, finding.StatusPass, finding.ReasonCreatedAfterSetup, "info"}}},
		{"unused setup key in slot 2 only", console(
			Key{Slot: 1, Active: true, Created: at(24 * time.Hour), LastUsed: at(48 * time.Hour)},
			Key{Slot: 2, Created: at(time.Second)}),
			[]verdict{{1, finding.StatusPass, finding.ReasonCreatedAfterSetup, "info"},
				{2, finding.StatusFail, finding.ReasonSetupUnused, "low"}}},
		{"setup key before usage tracking", User{Name: "old", PasswordEnabled: "true",
			Created: *ts("2014-06-12T18:00:00Z"), Keys: []Key{{Slot: 1, Active: true,
				Created: ts("2014-06-12T18:00:01Z")}}},
			[]verdict{{1, finding.StatusReview, finding.ReasonUsageUnknown, "info"}}},
		{"used key before tracking passes", User{Name: "old", PasswordEnabled: "true",
			Created: *ts("2014-06-12T18:00:00Z"), Keys: []Key{{Slot: 1, Active: true,
				Created: ts("2014-06-12T18:00:01Z"), LastUsed: ts("2016-01-01T00:00:00Z")}}},
			[]verdict{{1, finding.StatusPass, finding.ReasonSetupInUse, "info"}}},
		{"active slot without creation time", console(Key{Slot: 1, Active: true}),
			[]verdict{{1, finding.StatusReview, finding.ReasonKeyCreationUnknown, "info"}}},
		{"key before user", console(Key{Slot: 1, Active: true, Created: at(-time.Hour)}),
			[]verdict{{1, finding.StatusReview, ReasonKeyBeforeUser, "info"}}},
		{"user name with a comma", User{Name: "ops,admin", PasswordEnabled: "true",
			Created: userCreated, Keys: []Key{{Slot: 1, Active: true, Created: at(0)}}},
			[]verdict{{1, finding.StatusFail, finding.ReasonSetupUnused, "medium"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(&tc.user, Options{})
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				slot := 0
				if g.KeySlot != nil {
					slot = *g.KeySlot
				}
				gv := verdict{slot, g.Status, g.Reason, g.Severity}
				if gv != w {
					t.Errorf("result %d = %+v, want %+v (%s)", i, gv, w, g.Message)
				}
				if g.RuleID != ID || g.Message == "" {
					t.Errorf("result %d: rule %q message %q", i, g.RuleID, g.Message)
				}
				if (g.Status == finding.StatusFail) != (g.Remediation != nil) {
					t.Errorf("result %d: remediation %v for status %s", i, g.Remediation,
						g.Status)
				}
			}
		})
	}
}

// TestEvaluate_DST checks that a key created across a daylight-saving change in local time
// is judged on UTC seconds: 01:59:30 EST and 03:00:10 EDT are 40 s apart.
func TestEvaluate_DST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	userAt := time.Date(2025, 3, 9, 1, 59, 30, 0, ny)
	keyAt := time.Date(2025, 3, 9, 3, 0, 10, 0, ny)
	u := User{Name: "dst", PasswordEnabled: "true", Created: userAt,
		Keys: []Key{{Slot: 1, Active: true, Created: &keyAt}}}

	got := Evaluate(&u, Options{})
	if got[0].Status != finding.StatusFail || *got[0].SetupDeltaSeconds != 40 {
		t.Errorf("status %s delta %d, want fail and 40", got[0].Status,
			*got[0].SetupDeltaSeconds)
	}
}

func TestEvaluate_Window(t *testing.T) {
	u := User{Name: "w", PasswordEnabled: "true", Created: userCreated,
		Keys: []Key{{Slot: 1, Active: true, Created: at(5 * time.Second)}}}
	if got := Evaluate(&u, Options{Window: 2 * time.Second}); got[0].Status !=
		finding.StatusPass {
		t.Errorf("5s with a 2s window: %s, want pass", got[0].Status)
	}
}

func TestRemediation(t *testing.T) {
	u := User{Name: "ops,admin", AccountID: "111122223333", PasswordEnabled: "true",
		Created: userCreated, Keys: []Key{{Slot: 2, Active: true, Created: at(0)}}}
	r := Evaluate(&u, Options{})[0].Remediation
	want := []string{
		`KEY_ID=$(aws iam list-access-keys --user-name ops,admin --query ` +
			`"AccessKeyMetadata[?starts_with(CreateDate, '2025-03-10T09:00:00')].AccessKeyId" ` +
			`--output text) && echo "$KEY_ID"`,
		`[ "$(echo $KEY_ID | wc -w)" -eq 1 ] && ` +
			`aws iam delete-access-key --user-name ops,admin --access-key-id "$KEY_ID"`,
	}
	if strings.Join(r.Commands, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands = %q, want %q", r.Commands, want)
	}
	if !strings.Contains(r.Summary, "2025-03-10T09:00:00Z") {
		t.Errorf("summary %q does not name the creation time", r.Summary)
	}

	u.Keys[0].ID = "AKIAEXAMPLE000000001"
	r = Evaluate(&u, Options{})[0].Remediation
	if len(r.Commands) != 1 || r.Commands[0] != "aws iam delete-access-key --user-name "+
		"ops,admin --access-key-id AKIAEXAMPLE000000001" {
		t.Errorf("commands with key ID = %q", r.Commands)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"alice": "alice", "a+b=c,d.e@f-g": "a+b=c,d.e@f-g", "it's": `'it'\''s'`,
		"a b": "'a b'", "": "''", "$(rm)": "'$(rm)'",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
