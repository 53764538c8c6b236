package remediate

import (
	"strconv"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// Action is a change made to one access key.
type Action string

// The actions fix and undo take.
const (
	// Deactivate sets a key Inactive; Reactivate reverses it.
	Deactivate Action = "deactivate"
	// Delete removes a key for good; it cannot be undone.
	Delete Action = "delete"
	// Reactivate sets a key Active again; undo uses it.
	Reactivate Action = "reactivate"
)

// ParseAction returns the fix action named s, and false for anything else.
func ParseAction(s string) (Action, bool) {
	switch Action(s) {
	case Deactivate, Delete:
		return Action(s), true
	}
	return "", false
}

// targetStatus is the key status an action leaves; "" means the key is gone.
func (a Action) targetStatus() string {
	switch a {
	case Deactivate:
		return StatusInactive
	case Reactivate:
		return StatusActive
	}
	return ""
}

// IAM access key statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// State is where an item of a plan stands.
type State string

// The states of an item. Planned items become done, already, skipped or failed on apply.
const (
	StatePlanned State = "planned"
	StateDone    State = "done"
	StateAlready State = "already"
	StateSkipped State = "skipped"
	StateFailed  State = "failed"
)

// States lists the states in display order.
var States = []State{StatePlanned, StateDone, StateAlready, StateSkipped, StateFailed}

// Item is one access key and what a run does, or did, to it.
type Item struct {
	AccountID   string `json:"account_id"`
	UserName    string `json:"user_name"`
	AccessKeyID string `json:"access_key_id,omitempty"`
	// KeySlot is the credential report slot, for keys whose ID the scan did not know.
	KeySlot *int `json:"key_slot,omitempty"`
	// KeyStatus is the status the scan (or, for undo, the journal) saw.
	KeyStatus     string     `json:"key_status,omitempty"`
	KeyCreatedAt  *time.Time `json:"key_created_at,omitempty"`
	KeyLastUsedAt *time.Time `json:"key_last_used_at,omitempty"`
	// ResultStatus is the scan verdict the item comes from; empty for undo.
	ResultStatus finding.Status `json:"result_status,omitempty"`
	Action       Action         `json:"action"`
	State        State          `json:"state"`
	// Reason says why an item is already done, skipped or failed.
	Reason string `json:"reason,omitempty"`
	// Force allows deleting a key that is still active.
	Force bool `json:"-"`
}

// Plan is the ordered list of items of one run.
type Plan struct {
	Action Action `json:"action"`
	Items  []Item `json:"items"`
	// Notes mention results that were deliberately left out, such as review results.
	Notes []string `json:"notes,omitempty"`
	// RoleName is, for an undo plan, the role the fix run assumed in other accounts.
	RoleName string `json:"-"`
}

// PlanOptions choose what NewPlan targets.
type PlanOptions struct {
	// Action is Deactivate or Delete.
	Action Action
	// IncludeReview targets review results as well as fail results.
	IncludeReview bool
	// Force allows deleting keys that are still active.
	Force bool
}

// NewPlan turns scan results into a plan without calling AWS. Only key results with status
// fail (and review with IncludeReview) become items; muted results are never touched.
func NewPlan(results []finding.Result, o PlanOptions) *Plan {
	p := &Plan{Action: o.Action, Items: []Item{}}
	leftOut := map[finding.Status]int{}
	for i := range results {
		r := &results[i]
		if !r.IsKey() {
			continue
		}
		if r.Status != finding.StatusFail &&
			!(r.Status == finding.StatusReview && o.IncludeReview) {
			leftOut[r.Status]++
			continue
		}
		p.Items = append(p.Items, planItem(r, o))
	}

	if n := leftOut[finding.StatusReview]; n > 0 {
		p.Notes = append(p.Notes, plural(n, "review result")+" left alone; "+
			"--include-review targets them too")
	}
	if n := leftOut[finding.StatusMuted]; n > 0 {
		p.Notes = append(p.Notes, plural(n, "muted result")+" left alone: "+
			"suppressed results are never changed")
	}
	return p
}

// planItem decides what to do with one target from what the scan saw.
func planItem(r *finding.Result, o PlanOptions) Item {
	it := Item{
		AccountID: r.AccountID, UserName: r.UserName, KeySlot: r.KeySlot,
		KeyStatus: r.KeyStatus, KeyCreatedAt: r.KeyCreatedAt, KeyLastUsedAt: r.KeyLastUsedAt,
		ResultStatus: r.Status, Action: o.Action, State: StatePlanned, Force: o.Force,
	}
	if r.AccessKeyID != nil {
		it.AccessKeyID = *r.AccessKeyID
	}

	switch {
	case r.Reason == finding.ReasonKeyAmbiguous:
		it.State, it.Reason = StateSkipped, "two keys of the user were created in the same "+
			"second, so the report slot cannot be tied to one key ID; check both keys by hand"
	case it.AccessKeyID == "":
		it.State, it.Reason = StateSkipped, "the scan does not know the access key ID "+
			"(a credential report alone has none); scan live or with --method api"
	case it.AccountID == "":
		it.State, it.Reason = StateSkipped, "the scan does not name the account"
	case o.Action == Deactivate && it.KeyStatus == StatusInactive:
		it.State, it.Reason = StateAlready, "already Inactive"
	case o.Action == Delete && it.KeyStatus != StatusInactive && !o.Force:
		it.State, it.Reason = StateSkipped, "key is "+orUnknown(it.KeyStatus)+
			"; delete only removes inactive keys: deactivate it first, or use --force"
	}
	return it
}

// Counts returns the number of items in each state.
func (p *Plan) Counts() map[State]int {
	c := map[State]int{}
	for _, s := range States {
		c[s] = 0
	}
	for i := range p.Items {
		c[p.Items[i].State]++
	}
	return c
}

// Pending returns the number of items that still need an action.
func (p *Plan) Pending() int {
	return p.Counts()[StatePlanned]
}

// Complete reports whether every item is done or already, so nothing was skipped or
// failed.
func (p *Plan) Complete() bool {
	c := p.Counts()
	return c[StateSkipped] == 0 && c[StateFailed] == 0
}

func orUnknown(s string) string {
	if s == "" {
		return "of unknown status"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
