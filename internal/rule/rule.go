// Package rule decides, per IAM user access key, whether the key was created during the
// user's initial setup and left unused: the control "Do not create access keys during initial
// setup for IAM users with a console password" (CIS AWS Foundations 1.21, 1.11, 1.10, 2.10).
//
// The rule works on a neutral User value, so the same verdicts come from an offline
// credential report (FromRow) and from live IAM API data.
package rule

import (
	"fmt"
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

// FromRow converts a credential report row. Empty slots are left out.
func FromRow(rep *credreport.Report, row *credreport.Row) User {
	u := User{
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
	for i, k := range row.Keys {
		if !k.Present() {
			continue
		}
		u.Keys = append(u.Keys, Key{
			Slot:            i + 1,
			Active:          k.Active,
			Created:         k.LastRotated.Ptr(),
			LastUsed:        k.LastUsed.Ptr(),
			LastUsedService: notNA(k.LastUsedService),
			LastUsedRegion:  notNA(k.LastUsedRegion),
		})
	}
	return u
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
	window := opts.Window
	if window == 0 {
		window = DefaultWindow
	}

	switch {
	case u.IsRoot:
		return []finding.Result{u.userResult(finding.StatusNotApplicable,
			finding.ReasonRootAccount,
			"the account root is covered by the root access key control")}
	case u.PasswordEnabled != "true":
		return []finding.Result{u.userResult(finding.StatusNotApplicable,
			finding.ReasonNoConsolePassword,
			fmt.Sprintf("user %s has no console password (password_enabled=%s)",
				u.Name, u.PasswordEnabled))}
	case len(u.Keys) == 0:
		return []finding.Result{u.userResult(finding.StatusPass, finding.ReasonNoAccessKeys,
			fmt.Sprintf("console user %s has no access keys", u.Name))}
	}

	results := make([]finding.Result, 0, len(u.Keys))
	for i := range u.Keys {
		results = append(results, u.keyResult(&u.Keys[i], window))
	}
	return results
}

// userResult builds a result about the whole user.
func (u *User) userResult(st finding.Status, reason finding.Reason, msg string) finding.Result {
	r := u.base()
	r.Status, r.Severity, r.Reason, r.Message = st, finding.SeverityInfo, reason, msg
	return r
}

// base fills the user evidence shared by every result.
func (u *User) base() finding.Result {
	created := u.Created
	return finding.Result{
		RuleID:          ID,
		AccountID:       u.AccountID,
		Partition:       u.Partition,
		UserName:        u.Name,
		UserARN:         u.ARN,
		UserCreatedAt:   &created,
		PasswordEnabled: u.PasswordEnabled,
		Source:          u.Source,
	}
}

// keyResult judges one key.
func (u *User) keyResult(k *Key, window time.Duration) finding.Result {
	r := u.base()
	slot := k.Slot
	r.KeySlot = &slot
	if k.ID != "" {
		id := k.ID
		r.AccessKeyID = &id
	}
	r.KeyStatus = k.Status()
	r.KeyCreatedAt = k.Created
	r.KeyLastUsedAt = k.LastUsed
	r.KeyLastUsedService = k.LastUsedService
	r.KeyLastUsedRegion = k.LastUsedRegion
	r.Severity = finding.SeverityInfo
	name := keyName(k)

	if k.Created == nil {
		r.Status, r.Reason = finding.StatusReview, finding.ReasonKeyCreationUnknown
		r.Message = fmt.Sprintf("%s of %s has no creation time (last_rotated is N/A)",
			name, u.Name)
		return r
	}
	delta := k.Created.Sub(u.Created)
	secs := int64(delta / time.Second)
	r.SetupDeltaSeconds = &secs

	switch {
	case delta < 0:
		r.Status, r.Reason = finding.StatusReview, ReasonKeyBeforeUser
		r.Message = fmt.Sprintf("%s of %s was created %s before the user, which AWS data "+
			"cannot show; check the report", name, u.Name, human(-delta))
	case delta > window:
		r.Status, r.Reason = finding.StatusPass, finding.ReasonCreatedAfterSetup
		r.Message = fmt.Sprintf("%s of %s was created %s after the user, after the %s "+
			"setup window", name, u.Name, human(delta), human(window))
	case k.LastUsed != nil:
		r.Status, r.Reason = finding.StatusPass, finding.ReasonSetupInUse
		r.Message = fmt.Sprintf("%s of %s was created at setup (%s after the user) but was "+
			"used on %s%s; confirm with its owner before removing it", name, u.Name,
			human(delta), k.LastUsed.Format(time.RFC3339), usedWhere(k))
	case k.Created.Before(TrackingStart):
		r.Status, r.Reason = finding.StatusReview, finding.ReasonUsageUnknown
		r.Message = fmt.Sprintf("%s of %s was created at setup on %s, before AWS tracked "+
			"key use (2015-04-22); its use cannot be known", name, u.Name,
			k.Created.Format("2006-01-02"))
	default:
		r.Status, r.Reason = finding.StatusFail, finding.ReasonSetupUnused
		r.Severity = finding.SeverityMedium
		if !k.Active {
			r.Severity = finding.SeverityLow
		}
		r.Message = fmt.Sprintf("%s of %s was created %s after the user, at setup, and has "+
			"never been used", name, u.Name, human(delta))
		r.Remediation = remediation(u, k)
	}
	return r
}

// keyName names a key for messages: by ID when known, else by slot.
func keyName(k *Key) string {
	status := strings.ToLower(k.Status())
	if k.ID != "" {
		return fmt.Sprintf("%s access key %s", status, k.ID)
	}
	return fmt.Sprintf("%s access key %d", status, k.Slot)
}

// usedWhere formats the service and region of the last use, when known.
func usedWhere(k *Key) string {
	var parts []string
	if k.LastUsedService != "" {
		parts = append(parts, "service "+k.LastUsedService)
	}
	if k.LastUsedRegion != "" {
		parts = append(parts, "region "+k.LastUsedRegion)
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
		return fmt.Sprintf("%ds", s)
	case s < 2*3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 2*86400:
		return fmt.Sprintf("%dh", s/3600)
	}
	return fmt.Sprintf("%dd", s/86400)
}
