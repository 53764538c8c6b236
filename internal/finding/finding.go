// Package finding defines the result of evaluating keywarden's rule on one IAM user or one of
// its access keys, with the evidence that supports it.
//
// A Result is the unit every output format renders and every command consumes: scan prints
// them, fix acts on the failing ones, and suppressions mute them.
package finding

import "time"

// Status is the verdict of one result.
type Status string

// The statuses a result can have, from the most to the least urgent.
const (
	// StatusFail marks a key that breaks the control.
	StatusFail Status = "fail"
	// StatusReview marks a key whose verdict cannot be decided from the evidence.
	StatusReview Status = "review"
	// StatusError marks an account or user that could not be evaluated.
	StatusError Status = "error"
	// StatusMuted marks a result that matched a suppression; it keeps its evidence.
	StatusMuted Status = "muted"
	// StatusPass marks a key or user that meets the control.
	StatusPass Status = "pass"
	// StatusNotApplicable marks a row the control does not cover.
	StatusNotApplicable Status = "not_applicable"
)

// Statuses lists every status in display order.
var Statuses = []Status{
	StatusFail, StatusReview, StatusError, StatusMuted, StatusPass, StatusNotApplicable,
}

// ParseStatus returns the status named s, and false when s names none.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Severity ranks how urgent a failing result is.
type Severity string

// Severities used by the rule. Non-failing results carry SeverityInfo.
const (
	SeverityHigh   Severity = "high"
	SeverityMedium Severity = "medium"
	SeverityLow    Severity = "low"
	SeverityInfo   Severity = "info"
)

// Reason is a stable, machine-readable code that says why a result has its status.
type Reason string

// The reasons the rule gives. Their meaning is documented in docs/rule.md.
const (
	ReasonRootAccount        Reason = "root-account"
	ReasonNoConsolePassword  Reason = "no-console-password"
	ReasonNoAccessKeys       Reason = "no-access-keys"
	ReasonSetupUnused        Reason = "created-at-setup-unused"
	ReasonSetupInUse         Reason = "created-at-setup-in-use"
	ReasonCreatedAfterSetup  Reason = "created-after-setup"
	ReasonUsageUnknown       Reason = "usage-unknown-before-tracking"
	ReasonKeyCreationUnknown Reason = "key-creation-time-unknown"
	ReasonKeyAmbiguous       Reason = "key-id-ambiguous"
	ReasonAccountUnreachable Reason = "account-unreachable"
)

// Result is one verdict with its evidence. Key-level fields are nil for user-level results.
type Result struct {
	RuleID    string   `json:"rule_id"`
	Status    Status   `json:"status"`
	Severity  Severity `json:"severity"`
	Reason    Reason   `json:"reason"`
	AccountID string   `json:"account_id"`
	// AccountName is the Organizations name of the account, when known.
	AccountName string `json:"account_name,omitempty"`
	Partition   string `json:"partition"`
	UserName    string `json:"user_name"`
	UserARN     string `json:"user_arn"`

	// KeySlot is 1 or 2, the credential report column pair the key came from.
	KeySlot *int `json:"key_slot"`
	// AccessKeyID is known from the API; a credential report alone does not carry it.
	AccessKeyID *string `json:"access_key_id"`
	// KeyStatus is "Active" or "Inactive" for a key result, empty otherwise.
	KeyStatus string `json:"key_status"`

	UserCreatedAt     *time.Time `json:"user_created_at"`
	KeyCreatedAt      *time.Time `json:"key_created_at"`
	SetupDeltaSeconds *int64     `json:"setup_delta_seconds"`
	KeyLastUsedAt     *time.Time `json:"key_last_used_at"`
	// KeyLastUsedService and KeyLastUsedRegion are empty when AWS reports N/A.
	KeyLastUsedService string `json:"key_last_used_service"`
	KeyLastUsedRegion  string `json:"key_last_used_region"`
	// PasswordEnabled is the report's password_enabled value as text: "true", "false" or
	// "not_supported".
	PasswordEnabled string `json:"password_enabled"`

	Message     string       `json:"message"`
	Remediation *Remediation `json:"remediation"`
	// Source names where the evidence came from.
	Source Source `json:"source"`
	// Notes holds extra evidence lines, such as a live re-check that changed the verdict.
	Notes []string `json:"notes,omitempty"`
	// Suppression is set when the result is muted.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// Remediation says how to fix a failing result.
type Remediation struct {
	// Summary is one human sentence.
	Summary string `json:"summary"`
	// Commands are ready to paste into a POSIX shell, in order.
	Commands []string `json:"commands"`
}

// Source tells which input a result was derived from.
type Source struct {
	// Kind is "credential-report" or "api".
	Kind string `json:"kind"`
	// Path is the report's file name, or "-" for standard input; empty for live scans.
	Path string `json:"path,omitempty"`
	// GeneratedAt is the credential report's GeneratedTime when known.
	GeneratedAt *time.Time `json:"generated_at,omitempty"`
}

// Suppression records who muted a result and why.
type Suppression struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires"`
	// Entry is the 1-based index of the matching entry in the suppressions file.
	Entry int `json:"entry"`
}

// IsKey reports whether the result is about one access key rather than a whole user.
func (r *Result) IsKey() bool {
	return r.KeySlot != nil || r.AccessKeyID != nil
}

// Summary counts results per status.
type Summary map[Status]int

// Summarize counts the statuses of results. Every status appears, with zero if absent.
func Summarize(results []Result) Summary {
	s := Summary{}
	for _, st := range Statuses {
		s[st] = 0
	}
	for i := range results {
		s[results[i].Status]++
	}
	return s
}

// Add adds the counts of o to s.
func (s Summary) Add(o Summary) {
	for k, v := range o {
		s[k] += v
	}
}
