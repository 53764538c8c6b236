package awsemu_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keywarden/keywarden/internal/awsemu"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"

	keyAlice = "AKIAEXAMPLEALICE0001"
	// keyUnknown is not in any scenario, so it acts as the root user of the first account.
	keyUnknown = "AKIAUNKNOWNCALLER001"
)

// baseScenario has two accounts, an organization and a handful of users.
const baseScenario = `{
  "now": "2025-06-10T12:00:00Z",
  "accounts": [
    {"id": "111122223333", "created": "2020-01-01T00:00:00Z",
     "roles": ["OrganizationAccountAccessRole"],
     "users": [
       {"name": "alice", "created": "2025-06-02T10:00:00Z",
        "password": {"created": "2025-06-02T10:00:01Z", "last_used": "2025-06-03T09:00:00Z"},
        "access_keys": [{"id": "AKIAEXAMPLEALICE0001", "created": "2025-06-02T10:00:02Z",
          "last_used": {"date": "2025-06-05T08:00:00Z", "service": "s3",
            "region": "us-east-1"}}]},
       {"name": "Bob", "path": "/eng/", "created": "2025-06-01T10:00:00Z"}
     ]},
    {"id": "444455556666", "created": "2021-01-01T00:00:00Z",
     "roles": ["OrganizationAccountAccessRole"],
     "users": [{"name": "carol", "created": "2024-01-01T00:00:00Z"}]}
  ],
  "organization": {"management_account": "111122223333",
    "accounts": [{"id": "111122223333", "name": "mgmt"},
      {"id": "444455556666", "name": "member", "state": "SUSPENDED"}]}
}`

// clients holds SDK clients that all talk to one emulator with one set of credentials.
type clients struct {
	iam  *iam.Client
	sts  *sts.Client
	orgs *organizations.Client
}

// newClients returns clients signing with the key (and session token, if any). Retries
// are off so that error tests see every error.
func newClients(srv *awsemu.Server, keyID, secret, token string) clients {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, token),
		RetryMaxAttempts: 1,
	}
	endpoint := aws.String(srv.URL())
	return clients{
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = endpoint }),
		sts: sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = endpoint }),
		orgs: organizations.NewFromConfig(cfg, func(o *organizations.Options) {
			o.BaseEndpoint = endpoint
		}),
	}
}

// as returns clients acting with a scenario key or any unknown key.
func as(srv *awsemu.Server, keyID string) clients {
	return newClients(srv, keyID, "secret-not-checked", "")
}

// ctx returns a context that ends with the test or after 30 s.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// errorCode returns the AWS error code of err, or "" for nil or a non-API error.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// errorMessage returns the AWS error message of err.
func errorMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return ""
}

// httpStatus returns the HTTP status code of an API error, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wantAPIError fails the test unless err carries the code and HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	if got := errorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
	if got := httpStatus(err); got != status {
		t.Errorf("HTTP status of %s = %d, want %d", code, got, status)
	}
}

// sprintf is fmt.Sprintf, named so that scenario templates read as such.
func sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}
