package remediate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// ClientFunc returns the IAM client that acts in an account, or why the account cannot be
// reached.
type ClientFunc func(ctx context.Context, accountID string) (IAMAPI, error)

// Applier carries out a plan, journaling each change.
type Applier struct {
	// Clients hands out an IAM client per account (required).
	Clients ClientFunc
	// Journal receives the intent and outcome records (required).
	Journal *Journal
	// RunID names the run in the journal (required).
	RunID string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Now returns the time for records; nil means time.Now.
	Now func() time.Time

	clients map[string]IAMAPI
	errs    map[string]error
	// halted names the key whose change failed; later items are not attempted.
	halted string
}

// Apply re-verifies and acts on every planned item, in order, updating each item's State
// and Reason. After the first failed change the remaining items are skipped: something is
// wrong and a person should look. A failed check (an unreachable account, a denied read)
// fails only its own item. Apply returns context.Canceled when ctx ends, leaving an
// intent without an outcome if a change was in flight, and the error of a journal write,
// which also stops the run.
func (a *Applier) Apply(ctx context.Context, p *Plan) error {
	for i := range p.Items {
		it := &p.Items[i]
		if it.State != StatePlanned {
			// The plan settled this key already (already inactive, no key ID, muted by
			// the rules of the plan); the journal still says so, so every key of the run
			// has its record.
			if err := a.outcome(it, nil); err != nil {
				return err
			}
			continue
		}
		if a.halted != "" {
			it.State = StateSkipped
			it.Reason = "not attempted: the change of " + a.halted + " failed first"
			if err := a.outcome(it, nil); err != nil {
				return err
			}
			continue
		}

		if err := a.applyItem(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

// applyItem verifies one key, then changes it between an intent and an outcome record.
func (a *Applier) applyItem(ctx context.Context, it *Item) error {
	log := a.logger().With("account", it.AccountID, "user", it.UserName,
		"access_key_id", it.AccessKeyID)
	api, err := a.client(ctx, it.AccountID)
	if err != nil {
		it.State, it.Reason = StateFailed, "account unreachable: "+err.Error()
		return a.outcome(it, nil)
	}

	live, err := Inspect(ctx, api, it)
	if ctx.Err() != nil {
		return fmt.Errorf("verify %s: %w", it.AccessKeyID, context.Canceled)
	}
	if err != nil {
		it.State, it.Reason = StateFailed, "re-verify: "+err.Error()
		return a.outcome(it, nil)
	}
	if st, reason := decide(it, live); st != StatePlanned {
		it.State, it.Reason = st, reason
		log.Info("key not changed", "state", st, "reason", reason)
		return a.outcome(it, &live)
	}

	if err := a.record(it, RecordIntent, &live, "", ""); err != nil {
		return err
	}
	err = act(ctx, api, it)
	if ctx.Err() != nil {
		// The change may or may not have reached AWS: leave the intent open for Reconcile.
		return fmt.Errorf("%s %s: %w", it.Action, it.AccessKeyID, context.Canceled)
	}
	switch {
	case err == nil:
		it.State, it.Reason = StateDone, ""
	case it.Action == Delete && isNoSuchEntity(err):
		it.State, it.Reason = StateAlready, "already deleted"
	default:
		it.State, it.Reason = StateFailed, err.Error()
		a.halted = it.AccessKeyID
	}
	log.Info("key changed", "action", it.Action, "state", it.State)
	return a.outcome(it, &live)
}

// act sends the item's change to IAM.
func act(ctx context.Context, api IAMAPI, it *Item) error {
	var err error
	switch it.Action {
	case Deactivate, Reactivate:
		_, err = api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
			UserName:    aws.String(it.UserName),
			AccessKeyId: aws.String(it.AccessKeyID),
			Status:      types.StatusType(it.Action.targetStatus()),
		})
	case Delete:
		_, err = api.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{
			UserName:    aws.String(it.UserName),
			AccessKeyId: aws.String(it.AccessKeyID),
		})
	default:
		return fmt.Errorf("unknown action %q", it.Action)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", it.Action, it.AccessKeyID, err)
	}
	return nil
}

// outcome journals the item's final state.
func (a *Applier) outcome(it *Item, before *KeyState) error {
	return a.record(it, RecordOutcome, before, string(it.State), it.Reason)
}

func (a *Applier) record(it *Item, typ string, before *KeyState, outcome,
	reason string) error {
	return a.Journal.Append(Record{
		RunID: a.RunID, Time: a.now(), Type: typ,
		AccountID: it.AccountID, UserName: it.UserName, AccessKeyID: it.AccessKeyID,
		Action: it.Action, Before: before, Outcome: outcome, Reason: reason,
	})
}

// client returns the account's client, remembering failures so that an unreachable
// account is tried once per run.
func (a *Applier) client(ctx context.Context, account string) (IAMAPI, error) {
	if a.clients == nil {
		a.clients, a.errs = map[string]IAMAPI{}, map[string]error{}
	}
	if err, ok := a.errs[account]; ok {
		return nil, err
	}
	if c, ok := a.clients[account]; ok {
		return c, nil
	}
	c, err := a.Clients(ctx, account)
	if err != nil {
		a.errs[account] = err
		return nil, err
	}
	if c == nil {
		err = errors.New("no client")
		a.errs[account] = err
		return nil, err
	}
	a.clients[account] = c
	return c, nil
}

func (a *Applier) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Applier) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}
