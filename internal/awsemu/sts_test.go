package awsemu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

func TestSTS_GetCallerIdentity(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	tests := []struct {
		name, key, account, arn string
	}{
		{"unknown key is root of first account", keyUnknown, acctA,
			"arn:aws:iam::" + acctA + ":root"},
		{"scenario key is its user", keyAlice, acctA, "arn:aws:iam::" + acctA + ":user/alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := as(srv, tt.key).sts
			out, err := c.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity: %v", err)
			}
			if *out.Account != tt.account || *out.Arn != tt.arn {
				t.Errorf("identity = %s %s, want %s %s", *out.Account, *out.Arn, tt.account,
					tt.arn)
			}
		})
	}
}

func TestSTS_AssumeRole(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	ctx := ctx(t)
	roleARN := "arn:aws:iam::" + acctB + ":role/OrganizationAccountAccessRole"

	out, err := as(srv, keyUnknown).sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(roleARN),
		RoleSessionName: aws.String("keywarden"),
		ExternalId:      aws.String("ext-1"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cr := out.Credentials
	if !strings.HasPrefix(*cr.AccessKeyId, "ASIA") || len(*cr.AccessKeyId) != 20 ||
		aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials = %s token %q, want ASIA+16 and a token", *cr.AccessKeyId,
			aws.ToString(cr.SessionToken))
	}
	if d := time.Until(*cr.Expiration); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("Expiration in %v, want about 1 h of real time", d)
	}
	wantARN := "arn:aws:sts::" + acctB + ":assumed-role/OrganizationAccountAccessRole/keywarden"
	u := out.AssumedRoleUser
	if *u.Arn != wantARN || !strings.HasPrefix(*u.AssumedRoleId, "AROA") ||
		!strings.HasSuffix(*u.AssumedRoleId, ":keywarden") {
		t.Errorf("AssumedRoleUser = %s %s, want %s and AROA...:keywarden", *u.Arn,
			*u.AssumedRoleId, wantARN)
	}

	// The temporary credentials act in the assumed account.
	role := newClients(srv, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	users, err := role.iam.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 1 || *users.Users[0].UserName != "carol" {
		t.Fatalf("ListUsers as role = %+v, %v; want carol of account B", users, err)
	}
	id, err := role.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != wantARN || *id.Account != acctB {
		t.Errorf("GetCallerIdentity as role = %+v, %v; want %s", id, err, wantARN)
	}
	if n := srv.AccountCounts(acctB)["ListUsers"]; n != 1 {
		t.Errorf("ListUsers count in account B = %d, want 1", n)
	}
}

func TestSTS_AssumeRoleDenied(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	tests := []struct{ name, arn string }{
		{"role not listed", "arn:aws:iam::" + acctB + ":role/Missing"},
		{"account not in scenario",
			"arn:aws:iam::999999999999:role/OrganizationAccountAccessRole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := as(srv, keyAlice).sts.AssumeRole(ctx(t), &sts.AssumeRoleInput{
				RoleArn:         aws.String(tt.arn),
				RoleSessionName: aws.String("keywarden"),
			})
			wantAPIError(t, err, "AccessDenied", 403)
			want := "User: arn:aws:iam::" + acctA + ":user/alice is not authorized to perform: " +
				"sts:AssumeRole on resource: " + tt.arn
			if msg := errorMessage(err); msg != want {
				t.Errorf("message = %q, want %q", msg, want)
			}
		})
	}
}
