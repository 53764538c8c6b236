package remediate

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// IAMAPI is the part of the IAM client that fix and undo use; *iam.Client implements it.
type IAMAPI interface {
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput,
		...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput,
		...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	GetLoginProfile(context.Context, *iam.GetLoginProfileInput,
		...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	UpdateAccessKey(context.Context, *iam.UpdateAccessKeyInput,
		...func(*iam.Options)) (*iam.UpdateAccessKeyOutput, error)
	DeleteAccessKey(context.Context, *iam.DeleteAccessKeyInput,
		...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
}

// Inspect reads the live state of the item's key: whether it still exists and its status
// (ListAccessKeys), its last use (GetAccessKeyLastUsed) and whether its user still has a
// console password (GetLoginProfile). A key or user that is gone gives a KeyState with an
// empty Status and no error. Inspect returns the first other API error.
func Inspect(ctx context.Context, api IAMAPI, it *Item) (KeyState, error) {
	key, err := findKey(ctx, api, it.UserName, it.AccessKeyID)
	if err != nil || key == nil {
		return KeyState{}, err
	}
	st := KeyState{Status: string(key.Status), CreatedAt: key.CreateDate}

	lu, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
		AccessKeyId: aws.String(it.AccessKeyID),
	})
	if err != nil {
		return KeyState{}, fmt.Errorf("get last use of %s: %w", it.AccessKeyID, err)
	}
	if u := lu.AccessKeyLastUsed; u != nil && u.LastUsedDate != nil {
		st.LastUsedAt, st.LastUsedService = u.LastUsedDate, aws.ToString(u.ServiceName)
	}

	_, err = api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{
		UserName: aws.String(it.UserName),
	})
	switch {
	case err == nil:
		st.ConsolePassword = true
	case !isNoSuchEntity(err):
		return KeyState{}, fmt.Errorf("get login profile of %s: %w", it.UserName, err)
	}
	return st, nil
}

// findKey returns the user's key with the given ID, or nil when the key or the user is
// gone.
func findKey(ctx context.Context, api IAMAPI, user, keyID string) (*types.AccessKeyMetadata,
	error) {
	p := iam.NewListAccessKeysPaginator(api, &iam.ListAccessKeysInput{
		UserName: aws.String(user),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if isNoSuchEntity(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list access keys of %s: %w", user, err)
		}
		for i := range page.AccessKeyMetadata {
			if aws.ToString(page.AccessKeyMetadata[i].AccessKeyId) == keyID {
				return &page.AccessKeyMetadata[i], nil
			}
		}
	}
	return nil, nil
}

// decide compares the live state with what the item expects. It returns StatePlanned when
// the action should go ahead, or another state with its reason.
func decide(it *Item, live KeyState) (State, string) {
	// A key that is already where the action leads needs nothing, and re-runs stay
	// idempotent.
	switch {
	case live.Status == "" && it.Action == Delete:
		return StateAlready, "already deleted"
	case live.Status == "":
		return StateSkipped, "key no longer exists"
	case live.Status == it.Action.targetStatus():
		return StateAlready, "already " + live.Status
	}

	// Reactivating a key undoes keywarden's own change; the setup-key checks do not apply.
	if it.Action == Reactivate {
		return StatePlanned, ""
	}
	if live.LastUsedAt != nil {
		return StateSkipped, fmt.Sprintf("key was used at %s (%s): it is in use, not a "+
			"setup leftover", live.LastUsedAt.UTC().Format("2006-01-02T15:04:05Z"),
			orNA(live.LastUsedService))
	}
	if !live.ConsolePassword {
		return StateSkipped, "user no longer has a console password"
	}
	if it.Action == Delete && live.Status == StatusActive && !it.Force {
		return StateSkipped, "key is Active; delete only removes inactive keys: deactivate " +
			"it first, or use --force"
	}
	return StatePlanned, ""
}

// isNoSuchEntity reports whether err is IAM's 404 NoSuchEntity.
func isNoSuchEntity(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity"
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}
