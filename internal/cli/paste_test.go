package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/output"
)

// TestRemediation_PastesIntoShell takes a credential report from the emulator, scans it
// offline, and runs the fail's remediation commands in bash with the AWS CLI against the
// emulator: the setup key, and only it, must be gone.
func TestRemediation_PastesIntoShell(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed; .ci/run installs it")
	}
	srv := emutest.StartJSON(t, `{"now": "2025-06-10T12:00:00Z",
	 "accounts": [{"id": "111122223333", "report": {"generated": "2025-06-10T11:00:00Z"},
	  "users": [{"name": "ops,admin", "created": "2025-06-01T10:00:00Z",
	   "password": {"created": "2025-06-01T10:00:00Z"},
	   "access_keys": [
	    {"id": "AKIAPASTESETUP000001", "created": "2025-06-01T10:00:01Z"},
	    {"id": "AKIAPASTELATER000002", "created": "2025-06-03T10:00:00Z"}]},
	  {"name": "twin", "created": "2025-06-01T11:00:00Z",
	   "password": {"created": "2025-06-01T11:00:00Z"},
	   "access_keys": [
	    {"id": "AKIAPASTETWIN0000001", "created": "2025-06-01T11:00:01Z"},
	    {"id": "AKIAPASTETWIN0000002", "created": "2025-06-01T11:00:01Z"}]}]}]}`)
	liveEnv(t, srv)
	t.Setenv("AWS_DEFAULT_REGION", "us-east-1")

	report := filepath.Join(t.TempDir(), "report.json")
	if err := awsCLI(t, srv.URL(), "aws iam generate-credential-report >/dev/null && "+
		"aws iam get-credential-report --output json > "+report); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "scan", "--report", report, "--format", "json",
		"--status", "fail")
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var doc output.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 3 {
		t.Fatalf("results %d, want the setup key of ops,admin and both twin keys",
			len(doc.Results))
	}

	for _, r := range doc.Results {
		script := strings.Join(r.Remediation.Commands, "\n")
		err := awsCLI(t, srv.URL(), script)
		if r.UserName == "twin" && err == nil {
			t.Errorf("twin: the commands succeeded with two keys in one second")
		}
		if r.UserName != "twin" && err != nil {
			t.Errorf("%s: %v", r.UserName, err)
		}
	}
	keys := srv.AccessKeys("111122223333", "ops,admin")
	if len(keys) != 1 || keys[0].ID != "AKIAPASTELATER000002" {
		t.Errorf("keys left %+v, want only the later key", keys)
	}
	// Two keys created in the same second: the guard refuses to delete either.
	if keys := srv.AccessKeys("111122223333", "twin"); len(keys) != 2 {
		t.Errorf("twin keys left %+v, want both", keys)
	}
}

// awsCLI runs a shell script in which `aws` talks to the emulator at url.
func awsCLI(t *testing.T, url, script string) error {
	t.Helper()
	dir := t.TempDir()
	shim := filepath.Join(dir, "aws")
	real, _ := exec.LookPath("aws")
	os.WriteFile(shim, []byte("#!/bin/sh\nexec "+real+" --endpoint-url "+url+" \"$@\"\n"),
		0o755)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	// The AWS CLI reads an empty AWS_PROFILE as a profile named "".
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+dir+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("script failed: %v\n%s\n%s", err, script, out)
	}
	return nil
}
