package remediate

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Record types in the journal.
const (
	// RecordRun opens a run and names its command.
	RecordRun = "run"
	// RecordIntent is written and synced before a change is sent to AWS.
	RecordIntent = "intent"
	// RecordOutcome says what happened to one key, with or without an intent before it.
	RecordOutcome = "outcome"
	// RecordEnd closes a run that finished; an interrupted run has none.
	RecordEnd = "end"
)

// Outcomes recorded besides the item states: an intent whose change never took effect.
const OutcomeNotApplied = "not-applied"

// Record is one line of the journal. It holds IDs, names, statuses and times, never
// secrets.
type Record struct {
	RunID string    `json:"run_id"`
	Time  time.Time `json:"time"`
	Type  string    `json:"type"`

	// Command ("fix" or "undo"), Version, Source, UndoOf and RoleName describe a run
	// record. RoleName is the role the run assumed in accounts other than the caller's.
	Command  string `json:"command,omitempty"`
	Version  string `json:"version,omitempty"`
	Source   string `json:"source,omitempty"`
	UndoOf   string `json:"undo_of,omitempty"`
	RoleName string `json:"role_name,omitempty"`

	AccountID   string    `json:"account_id,omitempty"`
	UserName    string    `json:"user_name,omitempty"`
	AccessKeyID string    `json:"access_key_id,omitempty"`
	Action      Action    `json:"action,omitempty"`
	Before      *KeyState `json:"before,omitempty"`

	// Outcome is done, already, skipped, failed or not-applied.
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// RecoveredBy names the run that found the outcome of an interrupted intent.
	RecoveredBy string `json:"recovered_by,omitempty"`
	// Counts summarizes a run in its end record.
	Counts map[State]int `json:"counts,omitempty"`
}

// KeyState is what live IAM said about a key and its user.
type KeyState struct {
	// Status is Active or Inactive; empty when the key no longer exists.
	Status     string     `json:"status"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// LastUsedService is the service of the last use, when there was one.
	LastUsedService string `json:"last_used_service,omitempty"`
	ConsolePassword bool   `json:"console_password"`
}

// Journal appends records to a file, syncing each one to disk before returning.
type Journal struct {
	path string
	f    *os.File
}

// OpenJournal opens (or creates, with its directory) the journal at path for appending.
func OpenJournal(path string) (*Journal, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	// A journal made by hand or by an older version may be readable by others; it names
	// users and keys, so it is made private.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	syncDir(dir)
	return &Journal{path: path, f: f}, nil
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Append writes rec as one line and syncs the file. It returns the write or sync error;
// a change must not be made when its intent could not be written.
func (j *Journal) Append(rec Record) error {
	if rec.Time.IsZero() {
		rec.Time = time.Now().UTC()
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode journal record: %w", err)
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// ReadJournal reads every record of the journal at path. A missing file has no records.
// A line that does not parse is skipped and reported in the returned warnings: a crash
// can cut the last line short.
func ReadJournal(path string) ([]Record, []string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	return parseJournal(f, path)
}

func parseJournal(r io.Reader, path string) ([]Record, []string, error) {
	var recs []Record
	var warnings []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil || rec.RunID == "" {
			warnings = append(warnings, fmt.Sprintf("%s:%d: unreadable journal line skipped",
				path, n))
			continue
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	return recs, warnings, nil
}

// DefaultJournalPath returns $XDG_STATE_HOME/keywarden/journal.jsonl, or
// ~/.local/state/keywarden/journal.jsonl when XDG_STATE_HOME is unset. It returns an error
// when neither that variable nor a home directory is known.
func DefaultJournalPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "keywarden", "journal.jsonl"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find journal directory: %w; use --journal", err)
	}
	return filepath.Join(home, ".local", "state", "keywarden", "journal.jsonl"), nil
}

// NewRunID returns a run ID that sorts by start time, such as 20250610T120000Z-3f9a1c.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// syncDir syncs a directory so a newly created journal survives a crash. Failures are
// ignored: some systems cannot sync directories, and the file itself is synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
