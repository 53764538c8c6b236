package remediate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// ReportSchemaVersion is the version of the JSON that WriteJSON prints.
const ReportSchemaVersion = 1

// Report is what a fix or undo run prints: its plan or, after --apply, its outcome.
type Report struct {
	SchemaVersion int  `json:"schema_version"`
	Tool          Tool `json:"tool"`
	// Command is "fix" or "undo"; Mode is "plan" or "apply".
	Command     string    `json:"command"`
	Mode        string    `json:"mode"`
	RunID       string    `json:"run_id,omitempty"`
	UndoOf      string    `json:"undo_of,omitempty"`
	GeneratedAt time.Time `json:"generated_at"`
	// Source is "live scan", the --from file, or the journal undo read.
	Source  string `json:"source"`
	Journal string `json:"journal,omitempty"`
	Action  Action `json:"action"`
	// Summary counts the items in each state.
	Summary  map[State]int `json:"summary"`
	Items    []Item        `json:"items"`
	Notes    []string      `json:"notes,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
}

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Applied reports whether the report describes an applied run.
func (r *Report) Applied() bool { return r.Mode == "apply" }

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return nil
}

// WriteText writes the report as a table followed by a summary that gives the reason for
// every key not changed.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	writeHeading(&b, r)
	if len(r.Items) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		col := "STATE"
		fmt.Fprintf(tw, "ACCOUNT\tUSER\tACCESS KEY\tCREATED\tLAST USED\tACTION\t%s\n", col)
		for i := range r.Items {
			it := &r.Items[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.AccountID, it.UserName,
				keyLabel(it), stamp(it.KeyCreatedAt, "unknown"),
				stamp(it.KeyLastUsedAt, "never"), actionLabel(it.Action), it.State)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	writeSummary(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHeading(b *strings.Builder, r *Report) {
	pending := r.Summary[StatePlanned]
	switch {
	case !r.Applied() && pending > 0:
		fmt.Fprintf(b, "Plan (%s): %s %s. Nothing has been changed; run again with "+
			"--apply to make these changes.\n", r.Source, r.Action, plural(pending,
			"access key"))
	case !r.Applied():
		fmt.Fprintf(b, "Plan (%s): nothing to %s.\n", r.Source, r.Action)
	case r.RunID == "":
		fmt.Fprintf(b, "Nothing to %s (%s); no changes made.\n", r.Action, r.Source)
	default:
		fmt.Fprintf(b, "Run %s (%s): %s.\n", r.RunID, r.Source, r.Action)
	}
	if r.Action == Delete && pending > 0 {
		b.WriteString("WARNING: delete cannot be undone: a deleted access key cannot be " +
			"restored.\n")
	}
	if r.Journal != "" {
		fmt.Fprintf(b, "Journal: %s\n", r.Journal)
	}
	b.WriteString("\n")
}

func writeSummary(b *strings.Builder, r *Report) {
	b.WriteString("\nSummary: ")
	states := []State{StateDone, StateAlready, StateSkipped, StateFailed}
	if !r.Applied() {
		states = []State{StatePlanned, StateAlready, StateSkipped}
	}
	for i, s := range states {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%d %s", r.Summary[s], s)
	}
	b.WriteString("\n")

	for _, s := range []State{StateAlready, StateSkipped, StateFailed} {
		first := true
		for i := range r.Items {
			it := &r.Items[i]
			if it.State != s {
				continue
			}
			if first {
				fmt.Fprintf(b, "%s%s:\n", strings.ToUpper(string(s[:1])), s[1:])
				first = false
			}
			fmt.Fprintf(b, "  %s %s %s: %s\n", it.AccountID, it.UserName, keyLabel(it),
				it.Reason)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "Note: %s\n", n)
	}
}

// WriteScript writes the plan as a bash script of AWS CLI commands, one commented block per
// key. Keys that need nothing, or cannot be acted on, appear as comments only.
func WriteScript(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("#!/usr/bin/env bash\n")
	fmt.Fprintf(&b, "# keywarden %s plan (%s), generated %s from %s.\n", r.Command, r.Action,
		r.GeneratedAt.UTC().Format(time.RFC3339), oneLine(r.Source))
	b.WriteString("# Review every block before running it. Each block must run with " +
		"credentials for\n# the account named in its comment (for example AWS_PROFILE=...).\n")
	fmt.Fprintf(&b, "# Unlike 'keywarden %s --apply', this script does not re-verify each "+
		"key right\n# before changing it, and keeps no journal.\n", r.Command)
	if r.Action == Delete {
		b.WriteString("# WARNING: delete cannot be undone: a deleted access key cannot be " +
			"restored.\n")
	}
	b.WriteString("set -euo pipefail\n")

	for i := range r.Items {
		it := &r.Items[i]
		fmt.Fprintf(&b, "\n# account %s (use its credentials), user %s, key %s\n",
			oneLine(it.AccountID), oneLine(it.UserName), oneLine(keyLabel(it)))
		fmt.Fprintf(&b, "# created %s, last used %s\n", stamp(it.KeyCreatedAt, "unknown"),
			stamp(it.KeyLastUsedAt, "never"))
		if it.State != StatePlanned {
			fmt.Fprintf(&b, "# %s: %s\n", it.State, oneLine(it.Reason))
			continue
		}
		b.WriteString(command(it) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// command returns the AWS CLI command that carries out a planned item.
func command(it *Item) string {
	args := " --user-name " + shellQuote(it.UserName) +
		" --access-key-id " + shellQuote(it.AccessKeyID)
	switch it.Action {
	case Delete:
		return "aws iam delete-access-key" + args
	default:
		return "aws iam update-access-key" + args + " --status " + it.Action.targetStatus()
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// oneLine folds s onto one line, so that names from an input file cannot end a script
// comment and start a command.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func keyLabel(it *Item) string {
	switch {
	case it.AccessKeyID != "":
		return it.AccessKeyID
	case it.KeySlot != nil:
		return fmt.Sprintf("(slot %d)", *it.KeySlot)
	}
	return "(unknown)"
}

func actionLabel(a Action) string {
	if a == Delete {
		return "delete (cannot be undone)"
	}
	return string(a)
}

func stamp(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}
