// Package suppress mutes results that a team has accepted for a while, with a reason.
//
// A suppressions file is YAML with one list, suppressions. Each entry names what it matches
// and why it is accepted:
//
//	suppressions:
//	  - rule: aws-iam-user-setup-access-key
//	    account: "111122223333"
//	    user: "ci-*"
//	    access_key_id: AKIAEXAMPLE000000001
//	    reason: break-glass user, keys held in the vault
//	    expires: 2026-06-30
//	    owner: platform-team
//
// An entry matches a result when every match field it gives matches: account, access_key_id
// and rule are compared exactly, user is a glob with path.Match syntax. An entry must give at
// least one match field, a reason and an expiry; owner is optional. Unknown keys are errors,
// so a typo never widens or narrows a suppression silently.
//
// Only fail and review results are muted. A pass needs no exception, and muting an error
// would hide that an account could not be checked. A muted result keeps all its evidence;
// its status becomes muted and a note keeps the status it had.
//
// Expiry: a date such as 2026-06-30 mutes through the end of that day in UTC, so an entry
// expiring today still mutes. An RFC 3339 time mutes until that instant. An expired entry
// mutes nothing and is reported by Warnings, as is an entry that matched no result.
//
// An access_key_id only matches results that carry a key ID, that is live scans; a
// credential report alone does not name keys.
package suppress

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync/atomic"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// Entry is one suppression, as read from the file.
type Entry struct {
	// Account, User, AccessKeyID and Rule are the match fields; empty means any.
	Account     string
	User        string
	AccessKeyID string
	Rule        string

	Reason string
	Owner  string
	// Expires is the last instant the entry mutes; ExpiresText is the value as written.
	Expires     time.Time
	ExpiresText string

	// Index is the 1-based position of the entry in the file, and Line its line.
	Index int
	Line  int
}

// Set is a parsed suppressions file. Its methods are safe for concurrent use.
type Set struct {
	file    string
	entries []Entry
	// used[i] records whether entries[i] muted at least one result.
	used []atomic.Bool
}

// Load reads and parses the suppressions file at path. It returns the errors of Parse, or
// the error of opening the file.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	defer f.Close()
	return Parse(path, f)
}

// Entries returns a copy of the entries in file order.
func (s *Set) Entries() []Entry {
	return append([]Entry(nil), s.entries...)
}

// Apply mutes r when it is a fail or review result and an entry that has not expired at
// now matches it; the first such entry in file order wins. A muted result gets the status
// muted, a Suppression, and a note that keeps its previous status. Apply reports whether it
// muted r, and records the use of the entry for Warnings.
func (s *Set) Apply(r *finding.Result, now time.Time) bool {
	if s == nil || (r.Status != finding.StatusFail && r.Status != finding.StatusReview) {
		return false
	}

	for i := range s.entries {
		e := &s.entries[i]
		if !e.matches(r) || e.expired(now) {
			continue
		}
		s.used[i].Store(true)
		mute(r, e)
		return true
	}
	return false
}

// mute turns r into a muted result and notes what it was.
func mute(r *finding.Result, e *Entry) {
	detail := "expires " + e.ExpiresText
	if e.Owner != "" {
		detail = "owner " + e.Owner + ", " + detail
	}
	r.Notes = append(r.Notes, fmt.Sprintf("muted %s: %s (%s)", r.Status, e.Reason, detail))

	r.Status = finding.StatusMuted
	r.Suppression = &finding.Suppression{
		Reason:  e.Reason,
		Owner:   e.Owner,
		Expires: e.ExpiresText,
		Entry:   e.Index,
	}
}

// Warnings lists the entries that have expired at now, then those that are still valid but
// muted nothing so far, each with its file and line. Call it after every result has been
// through Apply.
func (s *Set) Warnings(now time.Time) []string {
	if s == nil {
		return nil
	}

	var expired, unused []string
	for i := range s.entries {
		e := &s.entries[i]
		where := fmt.Sprintf("%s:%d", s.file, e.Line)
		switch {
		case e.expired(now):
			expired = append(expired, fmt.Sprintf("%s: suppression %d expired on %s and no "+
				"longer mutes results: renew or remove it", where, e.Index, e.ExpiresText))
		case !s.used[i].Load():
			unused = append(unused, fmt.Sprintf("%s: suppression %d matched no result: "+
				"remove it if it is no longer needed", where, e.Index))
		}
	}
	return append(expired, unused...)
}

// matches reports whether every match field of e matches r.
func (e *Entry) matches(r *finding.Result) bool {
	if e.Account != "" && e.Account != r.AccountID {
		return false
	}
	if e.Rule != "" && e.Rule != r.RuleID {
		return false
	}
	if e.AccessKeyID != "" && (r.AccessKeyID == nil || *r.AccessKeyID != e.AccessKeyID) {
		return false
	}
	if e.User != "" {
		// The pattern was checked at parse time, so Match cannot fail here.
		ok, _ := path.Match(e.User, r.UserName)
		return ok
	}
	return true
}

// expired reports whether now is past the last instant e mutes.
func (e *Entry) expired(now time.Time) bool {
	return now.After(e.Expires)
}

// Error is one problem in a suppressions file.
type Error struct {
	File string
	Line int
	// Field is the key at fault; empty when the problem is the whole entry or file.
	Field string
	Msg   string
}

// Error formats the problem as file:line: field: message.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Parse reads a suppressions file from r; name is used in messages. It returns every
// problem found, each an *Error, joined with errors.Join, or the YAML syntax error.
func Parse(name string, r io.Reader) (*Set, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read suppressions %s: %w", name, err)
	}

	p := &parser{file: name}
	entries := p.parse(data)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return &Set{file: name, entries: entries, used: make([]atomic.Bool, len(entries))}, nil
}
