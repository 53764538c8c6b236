package remediate

import (
	"errors"
	"fmt"
)

// ErrNoRun means the journal holds no run to undo, or not the one asked for.
var ErrNoRun = errors.New("no such run in the journal")

// LatestFixRun returns the ID of the last fix run in the journal that changed a key, or may
// have (an intent with no outcome, after a crash); else of the last fix run; or ErrNoRun
// when there is none. A re-run that found every key handled, or whose changes all failed,
// must not hide the run that changed them.
func LatestFixRun(recs []Record) (string, error) {
	type ref struct{ run, account, key string }
	open := map[ref]bool{}
	changed := map[string]bool{}
	for _, r := range recs {
		k := ref{r.RunID, r.AccountID, r.AccessKeyID}
		switch {
		case r.Type == RecordIntent:
			open[k] = true
		case r.Type == RecordOutcome:
			delete(open, k)
			if r.Outcome == string(StateDone) {
				changed[r.RunID] = true
			}
		}
	}
	for k := range open {
		changed[k.run] = true
	}

	latest := ""
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Type != RecordRun || recs[i].Command != "fix" {
			continue
		}
		if changed[recs[i].RunID] {
			return recs[i].RunID, nil
		}
		if latest == "" {
			latest = recs[i].RunID
		}
	}
	if latest != "" {
		return latest, nil
	}
	return "", fmt.Errorf("%w: the journal records no fix run", ErrNoRun)
}

// keyRef names a key within a run.
type keyRef struct{ account, id string }

// NewUndoPlan plans the reversal of run runID: each key the run deactivated (or may have,
// when its outcome is unknown) is to be reactivated. Keys the run deleted are listed as
// skipped, since a deleted key cannot be restored. It returns ErrNoRun when the journal
// has no fix run with that ID.
func NewUndoPlan(recs []Record, runID string) (*Plan, error) {
	run, ok := fixRun(recs, runID)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a fix run of this journal", ErrNoRun, runID)
	}

	last := map[keyRef]Record{}
	var order []keyRef
	for _, r := range recs {
		if r.RunID != runID || (r.Type != RecordIntent && r.Type != RecordOutcome) {
			continue
		}
		k := keyRef{r.AccountID, r.AccessKeyID}
		if _, seen := last[k]; !seen {
			order = append(order, k)
		}
		// An intent never replaces an outcome: that would be a later, separate attempt.
		if prev, ok := last[k]; ok && prev.Type == RecordOutcome && r.Type == RecordIntent {
			continue
		}
		last[k] = r
	}

	p := &Plan{Action: Reactivate, Items: []Item{}, RoleName: run.RoleName}
	untouched := 0
	for _, k := range order {
		it, ok := undoItem(last[k])
		if !ok {
			untouched++
			continue
		}
		p.Items = append(p.Items, it)
	}
	if untouched > 0 {
		p.Notes = append(p.Notes, plural(untouched, "key")+" that run "+runID+
			" did not change left alone")
	}
	return p, nil
}

// undoItem turns the last record of a key into an undo item; false means the run did not
// change the key.
func undoItem(r Record) (Item, bool) {
	it := Item{
		AccountID: r.AccountID, UserName: r.UserName, AccessKeyID: r.AccessKeyID,
		KeyStatus: StatusInactive, Action: Reactivate, State: StatePlanned,
	}
	if r.Before != nil {
		it.KeyCreatedAt, it.KeyLastUsedAt = r.Before.CreatedAt, r.Before.LastUsedAt
	}
	changed := r.Outcome == string(StateDone)
	unknown := r.Type == RecordIntent

	switch {
	case r.Action == Delete && (changed || unknown):
		it.KeyStatus, it.State = "", StateSkipped
		it.Reason = "deleted by the run: a deleted key cannot be restored; create a new " +
			"key if the user needs one"
	case r.Action == Deactivate && unknown:
		it.Reason = "the run stopped during this change; the live status decides"
	case r.Action == Deactivate && changed:
	default:
		return Item{}, false
	}
	return it, true
}

// fixRun returns the run record of fix run runID, and false when the journal has none.
func fixRun(recs []Record, runID string) (Record, bool) {
	for _, r := range recs {
		if r.RunID == runID && r.Type == RecordRun && r.Command == "fix" {
			return r, true
		}
	}
	return Record{}, false
}
