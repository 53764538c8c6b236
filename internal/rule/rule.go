// Package rule decides, per IAM user access key, whether the key was created during the
// user's initial setup and left unused: the control "Do not create access keys during initial
// setup for IAM users with a console password" (CIS AWS Foundations 1.21, 1.11, 1.10, 2.10).
//
// The rule works on a neutral User value, so the same verdicts come from an offline
// credential report (FromRow) and from live IAM API data.
package rule

import (
	"strconv"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
)

// DefaultWindow is how long after the user a key may be created and still count as created at
// setup. Real setup keys land 0 to 2 seconds after the user; peers use 7 s to 60 s.
const DefaultWindow = 60 * time.Second

// TrackingStart is when AWS began recording access key use. A key unused on record and
// created before it may have been used; nobody can tell.
var TrackingStart = time.Date(2015, 4, 22, 0, 0, 0, 0, time.UTC)

// ReasonKeyBeforeUser marks a key whose creation precedes its user's, which real data cannot
// show.
const ReasonKeyBeforeUser finding.Reason = "key-created-before-user"

// Options tune the rule.
type Options struct {
	// Window is the setup window; zero means DefaultWindow.
	Window time.Duration
	// DeferText leaves Message and Remediation empty; call Describe on the results kept.
	DeferText bool
}

// User is everything the rule needs to know about one IAM user.
type User struct {
	AccountID string
	Partition string
	Name      string
	ARN       string
	IsRoot    bool
	Created   time.Time
	// PasswordEnabled is "true", "false" or "not_supported".
	PasswordEnabled string
	Keys            []Key
	Source          finding.Source

	// keys and times back Keys and their times for users built by FromRow, saving
	// allocations per row.
	keys  [2]Key
	times [4]time.Time
}

// Key is one access key of a user.
type Key struct {
	// Slot is the credential report slot (1 or 2), or the position in ListAccessKeys.
	Slot int
	// ID is empty when unknown, as in an offline credential report.
	ID     string
	Active bool
	// Created is nil when the report has no time for an active slot.
	Created         *time.Time
	LastUsed        *time.Time
	LastUsedService string
	LastUsedRegion  string
}

// Status returns the key status as IAM spells it.
func (k *Key) Status() string {
	if k.Active {
		return "Active"
	}
	return "Inactive"
}

// FromRow converts a credential report row into dst, overwriting it. Empty slots are left
// out. Reusing one dst for many rows saves allocations.
func FromRow(dst *User, rep *credreport.Report, row *credreport.Row) {
	*dst = User{
		AccountID:       rep.AccountID,
		Partition:       rep.Partition,
		Name:            row.User,
		ARN:             row.ARN,
		IsRoot:          row.IsRoot(),
		Created:         row.UserCreated,
		PasswordEnabled: row.PasswordEnabled,
		Source: finding.Source{
			Kind: "credential-report", Path: rep.Path, GeneratedAt: rep.GeneratedTime,
		},
	}
	dst.Keys = dst.keys[:0]
	for i, k := range row.Keys {
		if !k.Present() {
			continue
		}
		dst.Keys = append(dst.Keys, Key{
			Slot:            i + 1,
			Active:          k.Active,
			Created:         dst.timeOf(2*i, k.LastRotated),
			LastUsed:        dst.timeOf(2*i+1, k.LastUsed),
			LastUsedService: notNA(k.LastUsedService),
			LastUsedRegion:  notNA(k.LastUsedRegion),
		})
	}
}

// timeOf stores a report time in slot i of the user's backing array and points at it, or
// returns nil for a marker.
func (u *User) timeOf(i int, t credreport.Time) *time.Time {
	if !t.Valid() {
		return nil
	}
	u.times[i] = t.T
	return &u.times[i]
}

// notNA maps the N/A marker to the empty string.
func notNA(s string) string {
	if strings.EqualFold(s, credreport.NA) {
		return ""
	}
	return s
}

// Evaluate returns the results for one user: one user-level result when the rule does not
// look at keys, otherwise one result per key.
func Evaluate(u *User, opts Options) []finding.Result {
	return EvaluateAppend(nil, u, opts)
}

// EvaluateAppend is Evaluate appending to dst, so a caller can reuse one slice for many users.
func EvaluateAppend(dst []finding.Result, u *User, opts Options) []finding.Result {
	window := opts.Window
	if window == 0 {
		window = DefaultWindow
	}

	n := len(dst)
	switch {
	case u.IsRoot:
		dst = append(dst, u.userResult(finding.StatusNotApplicable, finding.ReasonRootAccount))
	case u.PasswordEnabled != "true":
		dst = append(dst, u.userResult(finding.StatusNotApplicable,
			finding.ReasonNoConsolePassword))
	case len(u.Keys) == 0:
		dst = append(dst, u.userResult(finding.StatusPass, finding.ReasonNoAccessKeys))
	default:
		for i := range u.Keys {
			dst = append(dst, u.keyResult(&u.Keys[i], window))
		}
	}

	if !opts.DeferText {
		for i := n; i < len(dst); i++ {
			Describe(&dst[i], window)
		}
	}
	return dst
}

// evidence holds the values a result points at, so one allocation serves them all.
type evidence struct {
	userCreated, keyCreated, lastUsed time.Time
	delta                             int64
	slot                              int
	keyID                             string
}

// userResult builds a result about the whole user.
func (u *User) userResult(st finding.Status, reason finding.Reason) finding.Result {
	ev := &evidence{userCreated: u.Created}
	r := u.base(ev)
	r.Status, r.Severity, r.Reason = st, finding.SeverityInfo, reason
	return r
}

// base fills the user evidence shared by every result.
func (u *User) base(ev *evidence) finding.Result {
	return finding.Result{
		RuleID:          ID,
		AccountID:       u.AccountID,
		Partition:       u.Partition,
		UserName:        u.Name,
		UserARN:         u.ARN,
		UserCreatedAt:   &ev.userCreated,
		PasswordEnabled: u.PasswordEnabled,
		Source:          u.Source,
	}
}

// keyResult judges one key; Describe adds the words.
func (u *User) keyResult(k *Key, window time.Duration) finding.Result {
	ev := &evidence{userCreated: u.Created, slot: k.Slot, keyID: k.ID}
	r := u.base(ev)
	r.KeySlot = &ev.slot
	if k.ID != "" {
		r.AccessKeyID = &ev.keyID
	}
	r.KeyStatus = k.Status()
	if k.LastUsed != nil {
		ev.lastUsed = *k.LastUsed
		r.KeyLastUsedAt = &ev.lastUsed
	}
	r.KeyLastUsedService = k.LastUsedService
	r.KeyLastUsedRegion = k.LastUsedRegion
	r.Severity = finding.SeverityInfo

	if k.Created == nil {
		r.Status, r.Reason = finding.StatusReview, finding.ReasonKeyCreationUnknown
		return r
	}
	ev.keyCreated = *k.Created
	r.KeyCreatedAt = &ev.keyCreated
	delta := k.Created.Sub(u.Created)
	ev.delta = int64(delta / time.Second)
	r.SetupDeltaSeconds = &ev.delta

	switch {
	case delta < 0:
		r.Status, r.Reason = finding.StatusReview, ReasonKeyBeforeUser
	case delta > window:
		r.Status, r.Reason = finding.StatusPass, finding.ReasonCreatedAfterSetup
	case k.LastUsed != nil:
		r.Status, r.Reason = finding.StatusPass, finding.ReasonSetupInUse
	case k.Created.Before(TrackingStart):
		r.Status, r.Reason = finding.StatusReview, finding.ReasonUsageUnknown
	default:
		r.Status, r.Reason = finding.StatusFail, finding.ReasonSetupUnused
		r.Severity = finding.SeverityMedium
		if !k.Active {
			r.Severity = finding.SeverityLow
		}
	}
	return r
}

// Describe writes the message of a result, and the remediation of a failing one, from its
// evidence. Evaluate calls it unless Options.DeferText is set, which lets a scan describe
// only the results it keeps.
func Describe(r *finding.Result, window time.Duration) {
	if window == 0 {
		window = DefaultWindow
	}
	name := keyName(r)
	var delta time.Duration
	if r.SetupDeltaSeconds != nil {
		delta = time.Duration(*r.SetupDeltaSeconds) * time.Second
	}

	switch r.Reason {
	case finding.ReasonRootAccount:
		r.Message = "the account root is covered by the root access key control"
	case finding.ReasonNoConsolePassword:
		r.Message = "user " + r.UserName + " has no console password (password_enabled=" +
			r.PasswordEnabled + ")"
	case finding.ReasonNoAccessKeys:
		r.Message = "console user " + r.UserName + " has no access keys"
	case finding.ReasonKeyCreationUnknown:
		r.Message = name + " of " + r.UserName + " has no creation time (last_rotated is N/A)"
	case ReasonKeyBeforeUser:
		r.Message = name + " of " + r.UserName + " was created " + human(-delta) +
			" before the user, which AWS data cannot show; check the report"
	case finding.ReasonCreatedAfterSetup:
		r.Message = name + " of " + r.UserName + " was created " + human(delta) +
			" after the user, after the " + human(window) + " setup window"
	case finding.ReasonSetupInUse:
		r.Message = name + " of " + r.UserName + " was created at setup (" + human(delta) +
			" after the user) but was used on " + r.KeyLastUsedAt.Format(time.RFC3339) +
			usedWhere(r) + "; confirm with its owner before removing it"
	case finding.ReasonUsageUnknown:
		r.Message = name + " of " + r.UserName + " was created at setup on " +
			r.KeyCreatedAt.Format("2006-01-02") + ", before AWS tracked key use " +
			"(2015-04-22); its use cannot be known"
	case finding.ReasonSetupUnused:
		r.Message = name + " of " + r.UserName + " was created " + human(delta) +
			" after the user, at setup, and has never been used"
		r.Remediation = remediation(r)
	}
}

// keyName names a key for messages: by ID when known, else by slot.
func keyName(r *finding.Result) string {
	status := "inactive"
	if r.KeyStatus == "Active" {
		status = "active"
	}
	switch {
	case r.AccessKeyID != nil:
		return status + " access key " + *r.AccessKeyID
	case r.KeySlot != nil:
		return status + " access key " + strconv.Itoa(*r.KeySlot)
	}
	return "access key"
}

// usedWhere formats the service and region of the last use, when known.
func usedWhere(r *finding.Result) string {
	var parts []string
	if r.KeyLastUsedService != "" {
		parts = append(parts, "service "+r.KeyLastUsedService)
	}
	if r.KeyLastUsedRegion != "" {
		parts = append(parts, "region "+r.KeyLastUsedRegion)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// human formats a duration in whole seconds, minutes, hours or days.
func human(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 120:
		return strconv.FormatInt(s, 10) + "s"
	case s < 2*3600:
		return strconv.FormatInt(s/60, 10) + "m"
	case s < 2*86400:
		return strconv.FormatInt(s/3600, 10) + "h"
	}
	return strconv.FormatInt(s/86400, 10) + "d"
}
