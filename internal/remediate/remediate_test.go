package remediate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	used := time.Date(2025, 6, 10, 11, 59, 0, 0, time.UTC)
	tests := []struct {
		name   string
		action Action
		force  bool
		live   KeyState
		want   State
		reason string
	}{
		{"unused active key", Deactivate, false,
			KeyState{Status: StatusActive, ConsolePassword: true}, StatePlanned, ""},
		{"already inactive", Deactivate, false,
			KeyState{Status: StatusInactive, ConsolePassword: true}, StateAlready, "already"},
		{"gone", Deactivate, false, KeyState{}, StateSkipped, "no longer exists"},
		{"used a minute ago", Deactivate, false,
			KeyState{Status: StatusActive, LastUsedAt: &used, LastUsedService: "s3",
				ConsolePassword: true}, StateSkipped, "2025-06-10T11:59:00Z (s3)"},
		{"password removed", Deactivate, false, KeyState{Status: StatusActive},
			StateSkipped, "console password"},
		{"delete inactive", Delete, false,
			KeyState{Status: StatusInactive, ConsolePassword: true}, StatePlanned, ""},
		{"delete active", Delete, false,
			KeyState{Status: StatusActive, ConsolePassword: true}, StateSkipped, "--force"},
		{"delete active forced", Delete, true,
			KeyState{Status: StatusActive, ConsolePassword: true}, StatePlanned, ""},
		{"delete gone", Delete, false, KeyState{}, StateAlready, "already deleted"},
		{"reactivate", Reactivate, false, KeyState{Status: StatusInactive}, StatePlanned, ""},
		{"reactivate active", Reactivate, false, KeyState{Status: StatusActive}, StateAlready,
			"already Active"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := &Item{Action: tc.action, Force: tc.force}
			got, reason := decide(it, tc.live)
			if got != tc.want || !strings.Contains(reason, tc.reason) {
				t.Errorf("decide = %s %q, want %s %q", got, reason, tc.want, tc.reason)
			}
		})
	}
}

func TestUnresolvedAndUndoPlan(t *testing.T) {
	// The journal of two runs; its last line was cut short by a crash.
	f, err := os.Open("testdata/interrupted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, warnings, err := parseJournal(f, "j")
	if err != nil || len(warnings) != 1 || len(recs) != 8 {
		t.Fatalf("parse: %d records, warnings %v, err %v", len(recs), warnings, err)
	}

	open := Unresolved(recs)
	if len(open) != 1 || open[0].AccessKeyID != "K2" {
		t.Errorf("unresolved = %+v, want K2 only", open)
	}
	if latest, _ := LatestFixRun(recs); latest != "r2" {
		t.Errorf("latest run %q, want r2", latest)
	}

	tests := []struct {
		run  string
		want string
	}{
		{"r1", "K1:planned K2:planned"},
		{"r2", "K4:skipped"},
	}
	for _, tc := range tests {
		p, err := NewUndoPlan(recs, tc.run)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range p.Items {
			got = append(got, it.AccessKeyID+":"+string(it.State))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("undo %s = %v, want %s", tc.run, got, tc.want)
		}
	}
	if _, err := NewUndoPlan(recs, "nope"); err == nil {
		t.Error("undo of an unknown run planned")
	}
}

// TestLatestFixRun checks that undo defaults to the last run that sent a change, not a
// later re-run that found every key already handled.
func TestLatestFixRun(t *testing.T) {
	recs := []Record{
		{Type: RecordRun, RunID: "r1", Command: "fix"},
		{Type: RecordIntent, RunID: "r1", AccessKeyID: "K1"},
		{Type: RecordOutcome, RunID: "r1", AccessKeyID: "K1", Outcome: "done"},
		{Type: RecordIntent, RunID: "r1", AccessKeyID: "K2"},
		{Type: RecordOutcome, RunID: "r1", AccessKeyID: "K2", Outcome: "failed"},
		// A re-run: K1 already done, K2 fails again. It changed nothing.
		{Type: RecordRun, RunID: "r2", Command: "fix"},
		{Type: RecordOutcome, RunID: "r2", AccessKeyID: "K1", Outcome: "already"},
		{Type: RecordIntent, RunID: "r2", AccessKeyID: "K2"},
		{Type: RecordOutcome, RunID: "r2", AccessKeyID: "K2", Outcome: "failed"},
		{Type: RecordRun, RunID: "u1", Command: "undo"},
		{Type: RecordIntent, RunID: "u1", AccessKeyID: "K1"},
	}
	if got, err := LatestFixRun(recs); err != nil || got != "r1" {
		t.Errorf("LatestFixRun = %q, %v; want r1, the run that deactivated K1", got, err)
	}
	crashed := append(recs[:9:9], Record{Type: RecordRun, RunID: "r3", Command: "fix"},
		Record{Type: RecordIntent, RunID: "r3", AccessKeyID: "K2"})
	if got, _ := LatestFixRun(crashed); got != "r3" {
		t.Errorf("a run that crashed mid-change: LatestFixRun = %q; want r3", got)
	}
	if got, _ := LatestFixRun(recs[5:9]); got != "r2" {
		t.Errorf("with no change anywhere, LatestFixRun = %q; want the last fix run r2", got)
	}
	if _, err := LatestFixRun(recs[9:]); err == nil {
		t.Errorf("no fix run: no error")
	}
}

// TestOpenJournal_Private checks that an existing journal readable by others is made
// private when it is opened.
func TestOpenJournal_Private(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("journal mode %o, want 600", mode)
	}
}
