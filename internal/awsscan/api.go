package awsscan

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// scanAPI evaluates every user through per-user API calls. The account root is not visible
// to this path, so it has no result here.
func (s *Scanner) scanAPI(ctx context.Context, notes []string) (*AccountResult, error) {
	live, err := listUsers(ctx, s.IAM)
	if err != nil {
		return nil, err
	}

	res := &AccountResult{Method: MethodAPI, Notes: notes, Users: len(live.users)}
	if len(live.users) > 0 {
		a, err := arn.Parse(aws.ToString(live.users[0].Arn))
		if err == nil {
			res.AccountID, res.Partition = a.AccountID, a.Partition
		}
	}

	res.Results, err = s.evaluateUsers(ctx, live.users, res.AccountID, res.Partition)
	if err != nil {
		return nil, err
	}
	describeAll(res.Results, s.o.Rule.Window)
	return res, nil
}

// evaluateUsers evaluates users through the API, several at a time, in the given order.
func (s *Scanner) evaluateUsers(ctx context.Context, users []types.User, account,
	partition string) ([]finding.Result, error) {
	per := make([][]finding.Result, len(users))
	err := s.forEach(ctx, len(users), func(ctx context.Context, i int) error {
		rs, err := s.evaluateUser(ctx, users[i], account, partition)
		per[i] = rs
		return err
	})
	if err != nil {
		return nil, err
	}

	var out []finding.Result
	for _, rs := range per {
		out = append(out, rs...)
	}
	return out, nil
}

// evaluateUser fetches one user's password and keys. A user deleted meanwhile gives no
// result. Users without a console password need no key calls.
func (s *Scanner) evaluateUser(ctx context.Context, iu types.User, account,
	partition string) ([]finding.Result, error) {
	name := aws.ToString(iu.UserName)
	u := rule.User{
		AccountID: account, Partition: partition, Name: name, ARN: aws.ToString(iu.Arn),
		Created: aws.ToTime(iu.CreateDate).UTC(), PasswordEnabled: "true",
		Source: finding.Source{Kind: "api"},
	}

	_, err := s.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: iu.UserName})
	switch code := apiCode(err); {
	case code == "NoSuchEntity":
		u.PasswordEnabled = "false"
	case err != nil:
		return nil, fmt.Errorf("get login profile of %s: %w", name, err)
	}

	if u.PasswordEnabled == "true" {
		keys, err := listAccessKeys(ctx, s.IAM, name)
		if apiCode(err) == "NoSuchEntity" {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for i, k := range keys {
			rk := fromAPIKey(i+1, k)
			if err := s.lastUsed(ctx, &rk); err != nil {
				return nil, err
			}
			u.Keys = append(u.Keys, rk)
		}
	}

	return rule.EvaluateAppend(nil, &u, rule.Options{Window: s.o.Rule.Window,
		DeferText: true}), nil
}
