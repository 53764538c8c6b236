package awsscan

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// OrgAccount is one member account of an organization.
type OrgAccount struct {
	ID   string
	Name string
	// State is ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED or PENDING_ACTIVATION; it falls
	// back to the legacy Status field when State is absent.
	State string
}

// Active reports whether the account can be scanned.
func (a OrgAccount) Active() bool { return a.State == "ACTIVE" }

// OrganizationsAPI is the part of the Organizations client ListOrgAccounts uses.
type OrganizationsAPI interface {
	ListAccounts(context.Context, *organizations.ListAccountsInput,
		...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

// ListOrgAccounts pages through Organizations ListAccounts, 20 accounts a page.
func ListOrgAccounts(ctx context.Context, client OrganizationsAPI) ([]OrgAccount, error) {
	var out []OrgAccount
	p := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{
		MaxResults: aws.Int32(20),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list organization accounts: %w", err)
		}
		for _, a := range page.Accounts {
			out = append(out, OrgAccount{
				ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), State: accountState(a),
			})
		}
	}
	return out, nil
}

// accountState reads State, or the older Status field that AWS is retiring.
func accountState(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}
