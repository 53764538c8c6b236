package awsemu_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

// cliScenario has five users so that the CLI has to page through ListUsers.
const cliScenario = `{"now": "2025-06-10T12:00:00Z",
  "accounts": [{"id": "111122223333", "created": "2020-01-01T00:00:00Z", "users": [
    {"name": "alice", "created": "2025-06-02T10:00:00Z",
     "password": {"created": "2025-06-02T10:00:01Z"},
     "access_keys": [{"id": "AKIAEXAMPLEALICE0001", "created": "2025-06-02T10:00:02Z"},
       {"id": "AKIAEXAMPLEALICE0002", "created": "2025-06-04T00:00:00Z",
        "last_used": {"date": "2025-06-05T08:09:10Z", "service": "s3", "region": "eu-west-1"}}]},
    {"name": "bob", "created": "2025-01-01T00:00:00Z"},
    {"name": "Cleo", "created": "2025-01-01T00:00:00Z"},
    {"name": "dan", "created": "2025-01-01T00:00:00Z"},
    {"name": "eve", "created": "2025-01-01T00:00:00Z"}]}]}`

const cliWantReport = reportHeaderLine + "\n" +
	"<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00Z,not_supported," +
	"no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A," +
	"N/A,false,N/A,false,N/A\n" +
	"alice,arn:aws:iam::111122223333:user/alice,2025-06-02T10:00:00Z,true,no_information," +
	"2025-06-02T10:00:01Z,N/A,false,false,2025-06-02T10:00:02Z,N/A,N/A,N/A,true," +
	"2025-06-04T00:00:00Z,2025-06-05T08:09:00Z,eu-west-1,s3,false,N/A,false,N/A\n" +
	"bob,arn:aws:iam::111122223333:user/bob,2025-01-01T00:00:00Z,false,N/A,N/A,N/A,false," +
	"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
	"Cleo,arn:aws:iam::111122223333:user/Cleo,2025-01-01T00:00:00Z,false,N/A,N/A,N/A,false," +
	"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
	"dan,arn:aws:iam::111122223333:user/dan,2025-01-01T00:00:00Z,false,N/A,N/A,N/A,false," +
	"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
	"eve,arn:aws:iam::111122223333:user/eve,2025-01-01T00:00:00Z,false,N/A,N/A,N/A,false," +
	"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"

const reportHeaderLine = "user,arn,user_creation_time,password_enabled,password_last_used," +
	"password_last_changed,password_next_rotation,mfa_active,access_key_1_active," +
	"access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
	"access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated," +
	"access_key_2_last_used_date,access_key_2_last_used_region," +
	"access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active," +
	"cert_2_last_rotated"

// awsCLI runs the AWS CLI against the emulator and decodes its JSON output into out.
func awsCLI(t *testing.T, srv *awsemu.Server, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	args = append([]string{"--endpoint-url", srv.URL(), "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, "aws", args...)
	cmd.Env = append(envWithoutAWS(),
		"AWS_ACCESS_KEY_ID="+keyUnknown,
		"AWS_SECRET_ACCESS_KEY=not-checked",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	stdout, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if out == nil || len(strings.TrimSpace(string(stdout))) == 0 {
		return
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("decode output of aws %s: %v\n%s", strings.Join(args, " "), err, stdout)
	}
}

func TestCLI_Fidelity(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("AWS CLI (aws) is not on PATH; install awscli to run the fidelity test")
	}
	srv := emutest.StartJSON(t, cliScenario)

	type userList struct {
		Users     []struct{ UserName, Arn, CreateDate string }
		NextToken string
	}
	t.Run("list-users page-size", func(t *testing.T) {
		srv.ResetCounts()
		var out userList
		awsCLI(t, srv, &out, "iam", "list-users", "--page-size", "2")
		var names []string
		for _, u := range out.Users {
			names = append(names, u.UserName)
		}
		if got := strings.Join(names, ","); got != "alice,bob,Cleo,dan,eve" {
			t.Errorf("users = %s, want alice,bob,Cleo,dan,eve", got)
		}
		if n := srv.Counts()["ListUsers"]; n != 3 {
			t.Errorf("ListUsers calls = %d, want 3 pages of 2", n)
		}
	})
	t.Run("list-users max-items", func(t *testing.T) {
		var out userList
		awsCLI(t, srv, &out, "iam", "list-users", "--max-items", "3", "--page-size", "2")
		if len(out.Users) != 3 || out.NextToken == "" {
			t.Errorf("got %d users, token %q; want 3 and a NextToken", len(out.Users),
				out.NextToken)
		}
	})

	t.Run("access keys", func(t *testing.T) {
		var lu struct {
			UserName          string
			AccessKeyLastUsed struct{ LastUsedDate, ServiceName, Region string }
		}
		awsCLI(t, srv, &lu, "iam", "get-access-key-last-used",
			"--access-key-id", "AKIAEXAMPLEALICE0002")
		l := lu.AccessKeyLastUsed
		if lu.UserName != "alice" || l.ServiceName != "s3" || l.Region != "eu-west-1" ||
			!strings.HasPrefix(l.LastUsedDate, "2025-06-05T08:09:10") {
			t.Errorf("get-access-key-last-used = %+v", lu)
		}

		awsCLI(t, srv, nil, "iam", "update-access-key", "--user-name", "alice",
			"--access-key-id", "AKIAEXAMPLEALICE0001", "--status", "Inactive")
		var keys struct {
			AccessKeyMetadata []struct{ UserName, AccessKeyId, Status string }
		}
		awsCLI(t, srv, &keys, "iam", "list-access-keys", "--user-name", "alice")
		if len(keys.AccessKeyMetadata) != 2 ||
			keys.AccessKeyMetadata[0].AccessKeyId != "AKIAEXAMPLEALICE0001" ||
			keys.AccessKeyMetadata[0].Status != "Inactive" {
			t.Errorf("list-access-keys = %+v, want key 1 Inactive first", keys)
		}
	})

	t.Run("credential report", func(t *testing.T) {
		var gen struct{ State, Description string }
		awsCLI(t, srv, &gen, "iam", "generate-credential-report")
		if gen.State != "STARTED" {
			t.Errorf("generate-credential-report state = %q, want STARTED", gen.State)
		}

		var rep struct{ Content, ReportFormat, GeneratedTime string }
		awsCLI(t, srv, &rep, "iam", "get-credential-report")
		content, err := base64.StdEncoding.DecodeString(rep.Content)
		if err != nil {
			content = []byte(rep.Content)
		}
		if string(content) != cliWantReport || rep.ReportFormat != "text/csv" {
			t.Errorf("report (%s):\n%s\nwant:\n%s", rep.ReportFormat, content, cliWantReport)
		}
	})
}

// envWithoutAWS returns the environment minus AWS_* variables, so that a developer's
// profile or session token cannot leak into the test.
func envWithoutAWS() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}
