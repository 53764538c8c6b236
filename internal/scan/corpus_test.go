package scan

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keywarden/keywarden/internal/finding"
)

const corpusDir = "../../../shared/corpus/credential-reports"

// TestFiles_CorpusVerdicts checks verdicts whose truth is plain from real reports.
func TestFiles_CorpusVerdicts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.csv"))
	if len(files) == 0 {
		t.Skipf("no shared corpus at %s: the real-report checks need it", corpusDir)
	}
	out, err := Files(context.Background(), files, Options{})
	if err != nil {
		t.Fatalf("Files: %v", err)
	}

	type key struct {
		file, user string
		slot       int
	}
	got := map[key]*finding.Result{}
	for i := range out.Results {
		r := &out.Results[i]
		slot := 0
		if r.KeySlot != nil {
			slot = *r.KeySlot
		}
		got[key{filepath.Base(r.Source.Path), r.UserName, slot}] = r
	}

	tests := []struct {
		file, user string
		slot       int
		status     finding.Status
		reason     finding.Reason
	}{
		// kai: key created the same second as the user, password set later, never used.
		{"c7n-unused-keys-2016.csv", "kai", 1, finding.StatusFail, finding.ReasonSetupUnused},
		{"c7n-unused-keys-2016.csv", "<root_account>", 0, finding.StatusNotApplicable,
			finding.ReasonRootAccount},
		// charmworld: setup key, but no console password.
		{"c7n-unused-keys-2016.csv", "charmworld", 0, finding.StatusNotApplicable,
			finding.ReasonNoConsolePassword},
		{"c7n-account-report-2017.csv", "c7n-iam-test", 0, finding.StatusNotApplicable,
			finding.ReasonNoConsolePassword},
		// ryland's only key came 13 days after the user: a later key, not a setup key.
		{"c7n-account-report-2017.csv", "ryland", 1, finding.StatusPass,
			finding.ReasonCreatedAfterSetup},
		{"testbench-2023-01-03.csv", "test_key_account", 0, finding.StatusNotApplicable,
			finding.ReasonNoConsolePassword},
		{"saa-notes-2025-01-29.csv", "Ad", 0, finding.StatusPass, finding.ReasonNoAccessKeys},
		// The prowler fixture has an active slot whose last_rotated is N/A.
		{"prowler-synthetic-fixture.csv", "test_false_access_key_1", 1, finding.StatusReview,
			finding.ReasonKeyCreationUnknown},
	}
	for _, tc := range tests {
		r, ok := got[key{tc.file, tc.user, tc.slot}]
		if !ok {
			t.Errorf("%s %s slot %d: no result", tc.file, tc.user, tc.slot)
			continue
		}
		if r.Status != tc.status || r.Reason != tc.reason {
			t.Errorf("%s %s slot %d: %s/%s, want %s/%s", tc.file, tc.user, tc.slot, r.Status,
				r.Reason, tc.status, tc.reason)
		}
	}
	if len(out.Warnings) == 0 {
		t.Errorf("no warning for the duplicated user cornelius")
	}
}
