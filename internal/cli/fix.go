package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/remediate"
)

// errIncomplete marks a fix or undo in which some keys were skipped or failed; it exits 1
// after the summary has given the reasons.
var errIncomplete = fmt.Errorf("%w: some keys were skipped or failed", ErrFindings)

// fixOptions holds the flag values of fix.
type fixOptions struct {
	scan          scanOptions
	format        string
	from          string
	maxAge        time.Duration
	includeReview bool
	action        remediate.Action
	force         bool
	apply         applyOptions
}

// applyOptions holds the flags fix and undo share for making changes.
type applyOptions struct {
	apply   bool
	yes     bool
	journal string
}

const fixUsage = `Usage: keywarden fix [--from SCAN.json] [--action ACTION] [--apply] [flags]

Removes the access keys of failing results. Without --from, scans live first,
with the same scope flags as scan. Without --apply, prints the plan and changes
nothing. With --apply, re-verifies each key right before changing it (still
there, still unused, status as planned, console password still set), skips any
key that changed, and records every change in the journal (see docs/fix.md).

--action deactivate (default) can be undone with 'keywarden undo'. --action
delete removes inactive keys only, unless --force, and cannot be undone.

Exit codes: 0 every planned action done, or nothing to do; 1 some keys skipped
or failed; 2 usage or input error; 3 accounts could not be scanned.

Flags:
`

// declareApplyFlags declares --apply, --yes and --journal.
func declareApplyFlags(fs *flag.FlagSet, o *applyOptions) {
	fs.BoolVar(&o.apply, "apply", false, "make the changes (default: print the plan only)")
	fs.BoolVar(&o.yes, "yes", false, "apply without asking; required when standard input "+
		"is not a terminal")
	fs.StringVar(&o.journal, "journal", "", "journal `PATH` (default "+
		"$XDG_STATE_HOME/keywarden/journal.jsonl or ~/.local/state/keywarden/journal.jsonl)")
}

// validate checks the apply flags against where the confirmation can come from.
func (o *applyOptions) validate(env *Env, stdinUsed bool) error {
	if o.yes && !o.apply {
		return fmt.Errorf("%w: --yes needs --apply", ErrUsage)
	}
	if o.apply && !o.yes && (!env.StdinTerminal || stdinUsed) {
		return fmt.Errorf("%w: --apply needs --yes when standard input is not a terminal",
			ErrUsage)
	}
	return nil
}

// parseFix turns argv into options, validating every value.
func parseFix(args []string, env *Env) (*fixOptions, error) {
	o := &fixOptions{}
	var statuses []string
	var action string
	fs := flag.NewFlagSet("fix", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, fixUsage)
		fs.PrintDefaults()
	}
	declareScanFlags(fs, &o.scan, &statuses)
	fs.Lookup("format").Usage = "output `format`: text, json, or script (the plan as " +
		"AWS CLI commands)"
	fs.StringVar(&o.from, "from", "", "act on a saved 'keywarden scan --format json' "+
		"document at `PATH` (- for standard input) instead of scanning")
	fs.DurationVar(&o.maxAge, "max-age", 24*time.Hour, "refuse a --from document older "+
		"than this")
	fs.BoolVar(&o.includeReview, "include-review", false, "act on review results too")
	fs.StringVar(&action, "action", string(remediate.Deactivate), "`action`: deactivate "+
		"(reversible) or delete (inactive keys only; cannot be undone)")
	fs.BoolVar(&o.force, "force", false, "with --action delete, delete active keys too")
	declareApplyFlags(fs, &o.apply)
	if err := parseFlags(fs, args, env.Stderr); err != nil {
		return nil, err
	}

	if err := o.validate(fs, action, statuses, env); err != nil {
		return nil, err
	}
	return o, nil
}

// validate checks the fix flags. The scan flags are checked by validateScan with the
// scan's own output format, since fix's formats differ.
func (o *fixOptions) validate(fs *flag.FlagSet, action string, statuses []string,
	env *Env) error {
	if len(o.scan.reports) > 0 {
		return fmt.Errorf("%w: --report: fix needs access key IDs, which a credential "+
			"report lacks; scan live, or use --from with a saved JSON scan", ErrUsage)
	}
	for _, name := range []string{"fail-on", "ndjson"} {
		if isSet(fs, name) {
			return fmt.Errorf("%w: --%s has no meaning for fix", ErrUsage, name)
		}
	}
	o.format, o.scan.format = o.scan.format, "json"
	switch o.format {
	case "text", "json", "script":
	default:
		return fmt.Errorf("%w: --format %q: expected text, json or script", ErrUsage, o.format)
	}
	if err := validateScan(&o.scan, statuses); err != nil {
		return err
	}
	o.scan.applyLogLevel(env)

	var ok bool
	if o.action, ok = remediate.ParseAction(action); !ok {
		return fmt.Errorf("%w: --action %q: expected deactivate or delete", ErrUsage, action)
	}
	var err error
	switch {
	case o.force && o.action != remediate.Delete:
		err = fmt.Errorf("%w: --force applies to --action delete only", ErrUsage)
	case o.format == "script" && o.apply.apply:
		err = fmt.Errorf("%w: --format script prints a plan; it cannot be used with --apply",
			ErrUsage)
	case o.maxAge <= 0:
		err = fmt.Errorf("%w: --max-age %s: expected a positive duration", ErrUsage, o.maxAge)
	}
	if err != nil {
		return err
	}
	return o.apply.validate(env, o.from == "-")
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// runFix scans (or reads a saved scan), plans, and applies the plan when asked to.
func runFix(ctx context.Context, args []string, env *Env) error {
	o, err := parseFix(args, env)
	if err != nil {
		return err
	}

	in, err := fixInput(ctx, o, env)
	if err != nil {
		return err
	}
	plan := remediate.NewPlan(in.doc.Results, remediate.PlanOptions{
		Action: o.action, IncludeReview: o.includeReview, Force: o.force,
	})
	rep := newReport("fix", in.source, plan)
	rep.Warnings = in.doc.Warnings

	if o.apply.apply {
		rep.Mode = "apply"
		err = applyFix(ctx, o, env, in, plan, rep)
	}
	if werr := writeReport(rep, plan, o.format, o.scan.output, env); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	return fixOutcome(in.doc, plan)
}

// fixIn is what fix acts on: the scan document and, for a live scan, its sessions.
type fixIn struct {
	doc    *output.Document
	source string
	live   *liveRun
}

// fixInput runs the live scan or reads the --from document.
func fixInput(ctx context.Context, o *fixOptions, env *Env) (*fixIn, error) {
	if o.from == "" {
		run, err := runLive(ctx, &o.scan, env)
		if err != nil {
			return nil, err
		}
		return &fixIn{doc: run.doc, source: "live scan", live: run}, nil
	}

	doc, err := readScan(o.from, env.Stdin, o.maxAge, time.Now())
	if err != nil {
		return nil, err
	}
	// Suppressions given now mute results of the saved scan too.
	keep := keeper(o.scan.statuses, "json")
	var kept []finding.Result
	for i := range doc.Results {
		o.scan.mute(&doc.Results[i])
		if keep == nil || keep(&doc.Results[i]) {
			kept = append(kept, doc.Results[i])
		}
	}
	doc.Results = kept
	source := "scan " + o.from + " of " + doc.GeneratedAt.UTC().Format(time.RFC3339)
	return &fixIn{doc: doc, source: source}, nil
}

// readScan reads a saved scan document and checks that it is keywarden's, in a schema
// version this build reads, and no older than maxAge.
func readScan(path string, stdin io.Reader, maxAge time.Duration,
	now time.Time) (*output.Document, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read --from: %v", ErrInput, err)
	}

	var doc output.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: --from %s: not a keywarden JSON scan: %v", ErrInput, path,
			err)
	}
	if doc.Tool.Name != "keywarden" || doc.GeneratedAt.IsZero() {
		return nil, fmt.Errorf("%w: --from %s: not a keywarden JSON scan (tool.name is %q); "+
			"write one with 'keywarden scan --format json'", ErrInput, path, doc.Tool.Name)
	}
	if doc.SchemaVersion != output.SchemaVersion {
		return nil, fmt.Errorf("%w: --from %s: schema_version %d, this keywarden reads %d; "+
			"scan again with this version", ErrInput, path, doc.SchemaVersion,
			output.SchemaVersion)
	}
	if doc.GeneratedAt.After(now.Add(5 * time.Minute)) {
		return nil, fmt.Errorf("%w: --from %s: scan generated %s, in the future; check the "+
			"file and this machine's clock", ErrInput, path,
			doc.GeneratedAt.UTC().Format(time.RFC3339))
	}
	if age := now.Sub(doc.GeneratedAt); age > maxAge {
		return nil, fmt.Errorf("%w: --from %s: scan generated %s (%s ago) is older than "+
			"--max-age %s; scan again, or raise --max-age", ErrInput, path,
			doc.GeneratedAt.UTC().Format(time.RFC3339), age.Round(time.Second), maxAge)
	}
	return &doc, nil
}

// applyFix confirms, then applies the plan with a journal.
func applyFix(ctx context.Context, o *fixOptions, env *Env, in *fixIn, plan *remediate.Plan,
	rep *remediate.Report) error {
	if plan.Pending() == 0 {
		return nil
	}
	if err := confirm(env, o.apply.yes, rep); err != nil {
		return err
	}

	clients, err := fixClients(ctx, o, in, env)
	if err != nil {
		return err
	}
	j, err := openJournal(o.apply.journal, env)
	if err != nil {
		return err
	}
	defer j.Close()

	run := remediate.Record{Command: "fix", Source: in.source,
		RoleName: o.scan.live.scope.roleName}
	_, err = journaledApply(ctx, env, j, clients, run, plan, rep)
	return err
}

// fixClients returns the per-account IAM clients, from the live scan's sessions or, for
// --from, from new ones.
func fixClients(ctx context.Context, o *fixOptions, in *fixIn,
	env *Env) (remediate.ClientFunc, error) {
	if in.live != nil {
		return accountClients(in.live.sessions), nil
	}
	sessions, err := newSessions(ctx, &o.scan, env)
	if err != nil {
		return nil, err
	}
	return accountClients(sessions), nil
}

// fixOutcome picks the error that maps to fix's exit code.
func fixOutcome(doc *output.Document, plan *remediate.Plan) error {
	var missed []string
	for _, a := range doc.Accounts {
		if a.ScanStatus == "error" {
			missed = append(missed, a.ID)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("%w: %d accounts of the scan were not scanned, so their keys are "+
			"not in the plan: %s", ErrUnreachable, len(missed), strings.Join(missed, ", "))
	}
	if !plan.Complete() {
		return errIncomplete
	}
	return nil
}

// confirm asks for "yes" on the terminal unless --yes was given. The plan goes to stderr
// first, so the question is asked about what the user just read.
func confirm(env *Env, yes bool, rep *remediate.Report) error {
	if yes {
		return nil
	}
	if err := remediate.WriteText(env.Stderr, rep); err != nil {
		return err
	}
	n := rep.Summary[remediate.StatePlanned]
	fmt.Fprintf(env.Stderr, "\n%s %d access keys? Type yes to continue: ", rep.Action, n)

	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return fmt.Errorf("%w: not confirmed; nothing was changed", ErrUsage)
	}
	return nil
}
