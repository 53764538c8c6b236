package awsemu_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

// failures calls ListUsers n times and returns, per call, the error code or "".
func failures(t *testing.T, c *iam.Client, n int) []string {
	t.Helper()
	var codes []string
	for range n {
		_, err := c.ListUsers(ctx(t), &iam.ListUsersInput{})
		codes = append(codes, errorCode(err))
	}
	return codes
}

func TestFaults_Patterns(t *testing.T) {
	const T = "Throttling"
	tests := []struct {
		name  string
		fault awsemu.Fault
		want  []string
	}{
		{"every 2", awsemu.Fault{Action: "ListUsers", Error: T, Every: 2},
			[]string{"", T, "", T, "", T}},
		{"after 3", awsemu.Fault{Action: "ListUsers", Error: "ServiceFailure", After: 3},
			[]string{"", "", "", "ServiceFailure", "ServiceFailure", "ServiceFailure"}},
		{"after 1 every 2", awsemu.Fault{Action: "ListUsers", Error: T, After: 1, Every: 2},
			[]string{"", "", T, "", T, ""}},
		{"other account", awsemu.Fault{Action: "ListUsers", Account: acctB, Error: T},
			[]string{"", "", "", "", "", ""}},
		{"other action", awsemu.Fault{Action: "GetUser", Error: T},
			[]string{"", "", "", "", "", ""}},
		{"this account", awsemu.Fault{Action: "ListUsers", Account: acctA, Error: T},
			[]string{T, T, T, T, T, T}},
	}
	srv := emutest.StartJSON(t, baseScenario)
	c := as(srv, keyUnknown).iam
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults([]awsemu.Fault{tt.fault})
			got := failures(t, c, len(tt.want))
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("errors = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestFaults_ThrottlingShape(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	srv.SetFaults([]awsemu.Fault{
		{Action: "GetCredentialReport", Error: "Throttling", Every: 2},
		{Action: "ListAccounts", Error: "Throttling"},
		{Action: "GetCallerIdentity", Error: "Throttling"},
	})
	c := as(srv, keyUnknown)
	ctx := ctx(t)

	_, err := c.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", 410)
	_, err = c.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "Throttling", 400)
	if msg := errorMessage(err); msg != "Rate exceeded" {
		t.Errorf("message = %q, want Rate exceeded", msg)
	}

	_, err = c.orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantAPIError(t, err, "TooManyRequestsException", 400)
	_, err = c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "Throttling", 400)

	want := map[string]int{"GetCredentialReport": 2, "ListAccounts": 1, "GetCallerIdentity": 1}
	for action, n := range want {
		if got := srv.Counts()[action]; got != n {
			t.Errorf("Counts[%s] = %d, want %d (faulted calls count)", action, got, n)
		}
		if got := srv.AccountCounts(acctA)[action]; got != n {
			t.Errorf("AccountCounts(A)[%s] = %d, want %d", action, got, n)
		}
	}
	srv.ResetCounts()
	if n := len(srv.Counts()); n != 0 {
		t.Errorf("Counts after reset has %d actions, want 0", n)
	}
}

func TestFaults_Fraction(t *testing.T) {
	run := func() []string {
		srv := emutest.StartJSON(t, `{"seed": 7, "accounts": [{"id": "111122223333"}],
		  "faults": [{"action": "ListUsers", "error": "Throttling", "fraction": 0.5}]}`)
		return failures(t, as(srv, keyUnknown).iam, 40)
	}
	first, second := run(), run()

	failed := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("fraction is not deterministic:\n%q\n%q", first, second)
		}
		if first[i] != "" {
			failed++
		}
	}
	if failed < 10 || failed > 30 {
		t.Errorf("%d of 40 calls failed, want about half", failed)
	}
}

func TestFaults_Latency(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	srv.SetFaults([]awsemu.Fault{{Action: "GetUser", LatencyMS: 300}})
	c := as(srv, keyUnknown).iam

	start := time.Now()
	_, err := c.GetUser(ctx(t), &iam.GetUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("GetUser took %v, want at least 300ms", d)
	}
}
