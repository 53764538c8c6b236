package awsscan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ErrAssumeRole means keywarden could not assume the scan role in an account.
var ErrAssumeRole = errors.New("assume role failed")

// DefaultRoleName is the role AWS Organizations creates in the accounts it creates.
const DefaultRoleName = "OrganizationAccountAccessRole"

// Identity is who the base credentials belong to.
type Identity struct {
	AccountID string
	Partition string
	ARN       string
}

// Identify asks STS GetCallerIdentity who cfg's credentials are.
func Identify(ctx context.Context, cfg aws.Config) (Identity, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, fmt.Errorf("identify caller: %w", err)
	}
	id := Identity{AccountID: aws.ToString(out.Account), ARN: aws.ToString(out.Arn),
		Partition: "aws"}
	if a, err := arn.Parse(id.ARN); err == nil {
		id.Partition = a.Partition
	}
	return id, nil
}

// Sessions hands out an AWS configuration per account: the caller's own account uses the
// caller's credentials, other accounts go through STS AssumeRole.
type Sessions struct {
	Base   aws.Config
	Caller Identity
	// RoleName is the role assumed in each account; empty means DefaultRoleName.
	RoleName    string
	ExternalID  string
	SessionName string
	// ForceRole assumes the role in the caller's own account too.
	ForceRole bool
}

// RoleARN returns the ARN of the scan role in account.
func (s *Sessions) RoleARN(account string) string {
	name := s.RoleName
	if name == "" {
		name = DefaultRoleName
	}
	partition := s.Caller.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + account + ":role/" + name
}

// Config returns the configuration for account. For another account it assumes the role
// at once, so a missing role or trust surfaces here as ErrAssumeRole with the fix.
func (s *Sessions) Config(ctx context.Context, account string) (aws.Config, error) {
	if account == s.Caller.AccountID && !s.ForceRole {
		return s.Base, nil
	}

	roleARN := s.RoleARN(account)
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(s.Base), roleARN,
		func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = s.SessionName
			if o.RoleSessionName == "" {
				o.RoleSessionName = "keywarden"
			}
			if s.ExternalID != "" {
				o.ExternalID = aws.String(s.ExternalID)
			}
			o.Duration = time.Hour
		})
	cfg := s.Base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(provider)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("%w: %s: %v", ErrAssumeRole, roleARN, rootCause(err))
	}
	return cfg, nil
}

// AssumeRoleFix explains how to repair a failed AssumeRole.
func (s *Sessions) AssumeRoleFix(account string) string {
	return fmt.Sprintf("role %s does not exist or does not trust the caller %s; create it "+
		"or add the caller to its trust policy, or choose another with --role-name",
		s.RoleARN(account), s.Caller.ARN)
}

// rootCause returns the AWS error inside err's chain, which reads better than the SDK's
// nested operation wrappers.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		if apiCode(next) == "" {
			return err
		}
		err = next
	}
}
