package awsemu_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// reportScenario exercises every report column: root keys, inactive keys, passwords used
// and never used, a name that needs quoting and a user created after "now".
const reportScenario = `{
  "now": "2025-06-10T12:00:00Z", "report_time_format": %q,
  "accounts": [{"id": "111122223333", "created": "2020-01-01T00:00:00Z",
    "root": {"password_enabled": "true", "mfa": true, "access_keys": [
      {"id": "AKIAROOTKEY000000001", "created": "2020-02-02T02:02:02Z", "status": "Inactive"}]},
    "users": [
      {"name": "zoe", "created": "2025-06-02T10:00:00Z", "mfa": true,
       "password": {"created": "2025-06-02T10:00:01Z"},
       "access_keys": [
         {"id": "AKIAZOEKEY0000000001", "created": "2025-06-02T10:00:00Z"},
         {"id": "AKIAZOEKEY0000000002", "created": "2025-06-03T11:00:00Z", "status": "Inactive",
          "last_used": {"date": "2025-06-04T05:06:07Z", "service": "s3"}}]},
      {"name": "Adam", "path": "/ops/", "created": "2024-12-31T23:59:59Z",
       "password": {"created": "2025-01-01T00:00:00Z", "last_used": "2025-06-09T08:07:06Z"},
       "access_keys": [{"id": "AKIAADAMKEY000000001", "created": "2025-01-01T00:00:01Z",
         "last_used": {"date": "2025-06-09T08:07:59Z", "service": "iam",
           "region": "us-east-1"}}]},
      {"name": "a,b", "created": "2025-05-05T05:05:05Z"},
      {"name": "later", "created": "2025-07-01T00:00:00Z"}
    ]}]
}`

func TestReport_Golden(t *testing.T) {
	tests := []struct{ format, file string }{
		{"Z", "report-z.csv"},
		{"+00:00", "report-offset.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			srv := emutest.StartJSON(t, sprintf(reportScenario, tt.format))
			got := generateAndGet(t, as(srv, keyUnknown).iam)

			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatalf("update golden file: %v", err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// generateAndGet generates a report, polls until it is ready and returns its CSV.
func generateAndGet(t *testing.T, c *iam.Client) []byte {
	t.Helper()
	ctx := ctx(t)
	for {
		gen, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatalf("GenerateCredentialReport: %v", err)
		}
		if gen.State == types.ReportStateTypeComplete {
			break
		}
		sleep(t, ctx, 100*time.Millisecond)
	}

	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatalf("GetCredentialReport: %v", err)
	}
	if out.ReportFormat != types.ReportFormatTypeTextCsv {
		t.Errorf("ReportFormat = %q, want text/csv", out.ReportFormat)
	}
	return out.Content
}

func sleep(t *testing.T, ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
		t.Fatalf("wait: %v", ctx.Err())
	}
}

func TestReport_Lifecycle(t *testing.T) {
	srv := emutest.StartJSON(t, `{"now": "2025-06-10T12:00:00Z",
		"report_generation_seconds": 1, "accounts": [{"id": "111122223333"}]}`)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)

	_, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", 410)

	gen, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || gen.State != types.ReportStateTypeStarted {
		t.Fatalf("first Generate = %+v, %v; want STARTED", gen, err)
	}
	wantDesc := "No report exists. Starting a new report generation task"
	if got := aws.ToString(gen.Description); got != wantDesc {
		t.Errorf("Description = %q, want %q", got, wantDesc)
	}
	gen, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || gen.State != types.ReportStateTypeInprogress {
		t.Fatalf("second Generate = %+v, %v; want INPROGRESS", gen, err)
	}
	_, err = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportInProgress", 404)

	// Poll until complete, then a second generation reuses the report.
	first := generateAndGet(t, c)
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatalf("GetCredentialReport: %v", err)
	}
	genTime := *out.GeneratedTime
	if !genTime.Equal(time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("GeneratedTime = %v, want the emulated start", genTime)
	}
	gen, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || gen.State != types.ReportStateTypeComplete {
		t.Fatalf("Generate after completion = %+v, %v; want COMPLETE", gen, err)
	}
	if again := generateAndGet(t, c); !bytes.Equal(first, again) {
		t.Errorf("reused report changed:\n%s\n%s", first, again)
	}

	// Four hours later the report has expired and generation starts again.
	srv.Advance(4*time.Hour + time.Minute)
	_, err = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportExpired", 410)
	gen, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || gen.State != types.ReportStateTypeStarted {
		t.Fatalf("Generate after expiry = %+v, %v; want STARTED", gen, err)
	}
}

func TestReport_Snapshot(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)

	before := string(generateAndGet(t, c))
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("newbie")})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := srv.UseKey(acctA, keyAlice, "ec2", "eu-west-1"); err != nil {
		t.Fatalf("UseKey: %v", err)
	}

	after := string(generateAndGet(t, c))
	if after != before {
		t.Errorf("report changed after generation:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if strings.Contains(after, "newbie") || strings.Contains(after, "eu-west-1") {
		t.Errorf("report shows later changes:\n%s", after)
	}
}

func TestReport_Pregenerated(t *testing.T) {
	srv := emutest.StartJSON(t, `{"now": "2025-06-10T12:00:00Z",
	  "accounts": [{"id": "111122223333", "created": "2020-01-01T00:00:00Z",
	    "report": {"generated": "2025-06-10T10:00:00Z"},
	    "users": [
	      {"name": "gone", "created": "2025-01-01T00:00:00Z", "deleted": "2025-06-10T11:00:00Z"},
	      {"name": "old", "created": "2025-06-01T00:00:00Z", "deleted": "2025-06-05T00:00:00Z"},
	      {"name": "kim", "created": "2025-06-01T00:00:00Z",
	       "access_keys": [{"id": "AKIAKIMKEY0000000001",
	         "last_used": {"date": "2025-06-10T11:30:00Z", "service": "s3"}}]},
	      {"name": "new", "created": "2025-06-10T11:00:00Z"}]}]}`)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)

	gen, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || gen.State != types.ReportStateTypeComplete {
		t.Fatalf("Generate = %+v, %v; want COMPLETE (report reused)", gen, err)
	}
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatalf("GetCredentialReport: %v", err)
	}

	lines := strings.Split(string(out.Content), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "gone,") ||
		!strings.HasPrefix(lines[3], "kim,") {
		t.Fatalf("report rows = %q, want header, root, gone, kim", lines)
	}
	wantKim := "kim,arn:aws:iam::111122223333:user/kim,2025-06-01T00:00:00Z,false,N/A,N/A,N/A," +
		"false,true,2025-06-01T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
	if lines[3] != wantKim {
		t.Errorf("kim row = %s\nwant        %s", lines[3], wantKim)
	}

	users, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, u := range users.Users {
		names = append(names, *u.UserName)
	}
	if strings.Join(names, ",") != "kim,new" {
		t.Errorf("ListUsers = %v, want [kim new] (deleted users hidden)", names)
	}
}

func TestReport_NeverCompletes(t *testing.T) {
	srv := emutest.StartJSON(t, `{"accounts": [{"id": "111122223333",
		"report_generation_seconds": -1}]}`)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)

	for _, want := range []types.ReportStateType{"STARTED", "INPROGRESS"} {
		gen, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil || gen.State != want {
			t.Fatalf("Generate = %+v, %v; want %s", gen, err, want)
		}
	}
	srv.Advance(24 * time.Hour)
	_, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportInProgress", 404)
}
