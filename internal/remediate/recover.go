package remediate

import (
	"context"
	"fmt"
	"time"
)

// Unresolved returns the intents that have no outcome after them in the same run: the
// process stopped while the change was in flight, so whether it happened is unknown.
func Unresolved(recs []Record) []Record {
	type key struct{ run, account, id string }
	open := map[key]int{}
	var order []key
	var intents []Record
	for _, r := range recs {
		k := key{r.RunID, r.AccountID, r.AccessKeyID}
		switch r.Type {
		case RecordIntent:
			if _, ok := open[k]; !ok {
				order = append(order, k)
			}
			open[k] = len(intents)
			intents = append(intents, r)
		case RecordOutcome:
			delete(open, k)
		}
	}

	var out []Record
	for _, k := range order {
		if i, ok := open[k]; ok {
			out = append(out, intents[i])
		}
	}
	return out
}

// Reconcile reads the live state of each unresolved intent's key and appends the outcome
// it finds to the journal, under the intent's own run ID with RecoveredBy set to runID:
// done when the key is where the action leads, not-applied otherwise. Intents whose
// account cannot be read stay unresolved and are returned as warnings.
func Reconcile(ctx context.Context, clients ClientFunc, j *Journal, runID string,
	intents []Record) ([]string, error) {
	var warnings []string
	for _, in := range intents {
		outcome, reason, err := liveOutcome(ctx, clients, in)
		if ctx.Err() != nil {
			return warnings, fmt.Errorf("reconcile journal: %w", context.Canceled)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("run %s: %s of %s is still unknown: %v",
				in.RunID, in.Action, in.AccessKeyID, err))
			continue
		}

		rec := in
		rec.Type, rec.Time, rec.Outcome, rec.Reason = RecordOutcome, time.Now().UTC(),
			outcome, reason
		rec.RecoveredBy = runID
		if err := j.Append(rec); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

// liveOutcome decides what became of an interrupted change from the key's live status.
func liveOutcome(ctx context.Context, clients ClientFunc, in Record) (string, string,
	error) {
	api, err := clients(ctx, in.AccountID)
	if err != nil {
		return "", "", err
	}
	key, err := findKey(ctx, api, in.UserName, in.AccessKeyID)
	if err != nil {
		return "", "", err
	}

	status := ""
	if key != nil {
		status = string(key.Status)
	}
	if status == in.Action.targetStatus() {
		return string(StateDone), "interrupted; live state shows the change was made", nil
	}
	if status == "" {
		return OutcomeNotApplied, "interrupted; the key no longer exists", nil
	}
	return OutcomeNotApplied, "interrupted; the key is still " + status, nil
}
