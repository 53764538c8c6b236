package awsemu_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

func TestOrgs_ListAccountsPagination(t *testing.T) {
	sc := &awsemu.Scenario{
		Accounts:     []awsemu.Account{{ID: acctA}},
		Organization: &awsemu.Organization{ManagementAccount: acctA},
	}
	states := []string{"ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"}
	for i := range 30 {
		sc.Organization.Accounts = append(sc.Organization.Accounts, awsemu.OrgAccount{
			ID:     fmt.Sprintf("%012d", 100000000000+i),
			Name:   fmt.Sprintf("acct-%02d", i),
			State:  states[i%len(states)],
			Joined: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		})
	}
	srv := emutest.Start(t, sc)
	c := as(srv, keyUnknown).orgs

	var got []types.Account
	pages := 0
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{
		MaxResults: aws.Int32(20),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("ListAccounts page %d: %v", pages, err)
		}
		pages++
		got = append(got, out.Accounts...)
	}
	if pages != 2 || len(got) != 30 {
		t.Fatalf("got %d pages, %d accounts; want 2 pages, 30 accounts", pages, len(got))
	}

	for i, a := range got {
		state := states[i%len(states)]
		wantStatus := map[string]string{"ACTIVE": "ACTIVE", "SUSPENDED": "SUSPENDED",
			"PENDING_CLOSURE": "PENDING_CLOSURE"}[state]
		if string(a.State) != state || string(a.Status) != wantStatus {
			t.Errorf("account %d state %q status %q, want %q %q", i, a.State, a.Status, state,
				wantStatus)
		}
		if a.JoinedTimestamp == nil || a.JoinedTimestamp.Unix() != 1704067200 {
			t.Errorf("account %d JoinedTimestamp = %v, want 2024-01-01", i, a.JoinedTimestamp)
		}
	}
}

func TestOrgs_Errors(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	noOrg := emutest.StartJSON(t, `{"accounts": [{"id": "111122223333"}]}`)
	ctx := ctx(t)

	// A caller in the member account, via AssumeRole.
	out, err := as(srv, keyUnknown).sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(
			"arn:aws:iam::" + acctB + ":role/OrganizationAccountAccessRole"),
		RoleSessionName: aws.String("member"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cr := out.Credentials
	member := newClients(srv, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)

	tests := []struct {
		name string
		c    *organizations.Client
		in   *organizations.ListAccountsInput
		code string
	}{
		{"member account", member.orgs, &organizations.ListAccountsInput{},
			"AccessDeniedException"},
		{"no organization", as(noOrg, keyUnknown).orgs, &organizations.ListAccountsInput{},
			"AWSOrganizationsNotInUseException"},
		{"max results 21", as(srv, keyUnknown).orgs,
			&organizations.ListAccountsInput{MaxResults: aws.Int32(21)}, "InvalidInputException"},
		{"bad token", as(srv, keyUnknown).orgs,
			&organizations.ListAccountsInput{NextToken: aws.String("nope")},
			"InvalidInputException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.ListAccounts(ctx, tt.in)
			wantAPIError(t, err, tt.code, 400)
		})
	}
}
