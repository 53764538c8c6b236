package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/keywarden/keywarden/internal/awsscan"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/remediate"
)

// undoOptions holds the flag values of undo.
type undoOptions struct {
	run    string
	format string
	output string
	apply  applyOptions
	// roleSet is true when --role-name was given; else the fix run's role is used.
	roleSet bool
	// scan carries the AWS settings (profile, region, retries) that newSessions reads.
	scan scanOptions
}

const undoUsage = `Usage: keywarden undo [--journal PATH] [--run ID] [--apply] [flags]

Reactivates the access keys that a fix run deactivated, as recorded in the
journal (default: the latest fix run that deactivated keys). Without --apply,
prints the plan and changes nothing. Deleted keys cannot be restored; undo says
so for each one. Keys in other accounts are reached through the role the fix
run recorded in the journal, or --role-name; pass --external-id if fix used one.

Exit codes: 0 every key restored or nothing to do; 1 some keys skipped or
failed (deleted keys included); 2 usage or input error.

Flags:
`

// parseUndo turns argv into options, validating every value.
func parseUndo(args []string, env *Env) (*undoOptions, error) {
	o := &undoOptions{}
	fs := flag.NewFlagSet("undo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, undoUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.run, "run", "", "run `ID` to undo (default: the latest fix run that "+
		"deactivated keys)")
	fs.StringVar(&o.format, "format", "text", "output `format`: text, json or script")
	fs.StringVar(&o.output, "output", "", "write the output to `FILE` atomically")
	declareApplyFlags(fs, &o.apply)
	fs.StringVar(&o.scan.live.profile, "profile", "", "AWS shared config `profile`")
	fs.StringVar(&o.scan.region, "region", "", "AWS `region` for the SDK")
	fs.IntVar(&o.scan.live.maxAttempts, "max-attempts", 10, "attempts per AWS call")
	fs.DurationVar(&o.scan.live.maxBackoff, "max-backoff", 20*time.Second, "longest wait "+
		"between attempts of one call")
	sc := &o.scan.live.scope
	fs.StringVar(&sc.roleName, "role-name", awsscan.DefaultRoleName, "`role` to assume in "+
		"each account other than the caller's (default: the one the fix run recorded)")
	fs.StringVar(&sc.externalID, "external-id", "", "external `ID` for AssumeRole")
	fs.StringVar(&sc.sessionName, "role-session-name", "keywarden", "AssumeRole session `name`")
	fs.BoolVar(&sc.forceRole, "force-role", false, "assume --role-name in the caller's own "+
		"account too")
	if err := parseFlags(fs, args, env.Stderr); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { o.roleSet = o.roleSet || f.Name == "role-name" })

	switch {
	case o.format != "text" && o.format != "json" && o.format != "script":
		return nil, fmt.Errorf("%w: --format %q: expected text, json or script", ErrUsage,
			o.format)
	case o.format == "script" && o.apply.apply:
		return nil, fmt.Errorf("%w: --format script prints a plan; it cannot be used with "+
			"--apply", ErrUsage)
	case o.scan.live.maxAttempts < 1 || o.scan.live.maxBackoff <= 0:
		return nil, fmt.Errorf("%w: --max-attempts and --max-backoff must be positive",
			ErrUsage)
	}
	return o, o.apply.validate(env, false)
}

// runUndo plans the undo of a fix run from the journal and applies it when asked to.
func runUndo(ctx context.Context, args []string, env *Env) error {
	o, err := parseUndo(args, env)
	if err != nil {
		return err
	}
	path, err := journalPath(o.apply.journal, env)
	if err != nil {
		return err
	}

	plan, runID, warnings, err := undoPlan(path, o.run)
	if err != nil {
		return err
	}
	rep := newReport("undo", "journal "+path, plan)
	rep.UndoOf, rep.Warnings = runID, warnings

	if o.apply.apply {
		rep.Mode = "apply"
	}
	if o.apply.apply && plan.Pending() > 0 {
		err = applyUndo(ctx, o, env, path, runID, plan, rep)
	}
	if werr := writeReport(rep, plan, o.format, o.output, env); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if !plan.Complete() {
		return errIncomplete
	}
	return nil
}

// undoPlan reads the journal and plans the undo of runID, or of the latest fix run.
func undoPlan(path, runID string) (*remediate.Plan, string, []string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, "", nil, fmt.Errorf("%w: read journal: %v; pass the --journal that fix "+
			"wrote", ErrInput, err)
	}
	recs, warnings, err := remediate.ReadJournal(path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	if len(recs) == 0 {
		return nil, "", nil, fmt.Errorf("%w: journal %s holds no runs; pass the --journal "+
			"that fix wrote", ErrInput, path)
	}
	if runID == "" {
		if runID, err = remediate.LatestFixRun(recs); err != nil {
			return nil, "", nil, fmt.Errorf("%w: %v", ErrInput, err)
		}
	}

	plan, err := remediate.NewUndoPlan(recs, runID)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return plan, runID, warnings, nil
}

// applyUndo confirms, then reactivates the keys with a journal. The plan is rebuilt after
// the journal is reconciled, so interrupted changes are judged by what really happened.
func applyUndo(ctx context.Context, o *undoOptions, env *Env, path, runID string,
	plan *remediate.Plan, rep *remediate.Report) error {
	if err := confirm(env, o.apply.yes, rep); err != nil {
		return err
	}

	if !o.roleSet && plan.RoleName != "" {
		o.scan.live.scope.roleName = plan.RoleName
	}
	sessions, err := newSessions(ctx, &o.scan, env)
	if err != nil {
		return err
	}
	j, err := remediate.OpenJournal(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInput, err)
	}
	defer j.Close()

	run := remediate.Record{Command: "undo", Source: "journal " + path, UndoOf: runID}
	rebuild := func() (*remediate.Plan, error) {
		p, _, _, err := undoPlan(path, runID)
		return p, err
	}
	fresh, err := journaledApplyRebuild(ctx, env, j, accountClients(sessions), run, rebuild,
		rep)
	if fresh != nil {
		*plan = *fresh
	}
	return err
}

// journaledApply reconciles the journal, records the run, applies the plan and records
// the end of the run. It fills rep with the run's ID and outcome.
func journaledApply(ctx context.Context, env *Env, j *remediate.Journal,
	clients remediate.ClientFunc, run remediate.Record, plan *remediate.Plan,
	rep *remediate.Report) (*remediate.Plan, error) {
	same := func() (*remediate.Plan, error) { return plan, nil }
	return journaledApplyRebuild(ctx, env, j, clients, run, same, rep)
}

// journaledApplyRebuild is journaledApply with a plan built after reconciliation.
func journaledApplyRebuild(ctx context.Context, env *Env, j *remediate.Journal,
	clients remediate.ClientFunc, run remediate.Record,
	build func() (*remediate.Plan, error), rep *remediate.Report) (*remediate.Plan, error) {
	run.RunID, run.Type, run.Version = remediate.NewRunID(time.Now()), remediate.RecordRun,
		Version
	rep.Mode, rep.RunID, rep.Journal = "apply", run.RunID, j.Path()

	// Intents left open by an interrupted run are settled first, from live state.
	recs, _, err := remediate.ReadJournal(j.Path())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	warnings, err := remediate.Reconcile(ctx, clients, j, run.RunID, remediate.Unresolved(recs))
	for _, w := range warnings {
		env.warnf("%s", w)
	}
	rep.Warnings = append(rep.Warnings, warnings...)
	if err != nil {
		return nil, err
	}
	plan, err := build()
	if err != nil {
		return nil, err
	}

	if err := j.Append(run); err != nil {
		return plan, err
	}
	applier := &remediate.Applier{Clients: clients, Journal: j, RunID: run.RunID,
		Logger: env.Logger.With("run_id", run.RunID)}
	err = applier.Apply(ctx, plan)
	fillReport(rep, plan)
	if err != nil {
		return plan, err
	}
	return plan, j.Append(remediate.Record{RunID: run.RunID, Type: remediate.RecordEnd,
		Counts: plan.Counts()})
}

// accountClients returns IAM clients that act in each account through the sessions.
func accountClients(sessions *awsscan.Sessions) remediate.ClientFunc {
	counter := awsscan.NewCallCounter()
	return func(ctx context.Context, account string) (remediate.IAMAPI, error) {
		cfg, err := sessions.Config(ctx, account)
		if err != nil {
			return nil, err
		}
		return awsscan.NewIAMClient(cfg, counter), nil
	}
}

// journalPath returns --journal or the default journal path.
func journalPath(flagValue string, env *Env) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	path, err := remediate.DefaultJournalPath(env.Getenv)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return path, nil
}

// openJournal opens the journal fix appends to.
func openJournal(flagValue string, env *Env) (*remediate.Journal, error) {
	path, err := journalPath(flagValue, env)
	if err != nil {
		return nil, err
	}
	j, err := remediate.OpenJournal(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return j, nil
}

// newReport starts the report of a plan.
func newReport(command, source string, plan *remediate.Plan) *remediate.Report {
	rep := &remediate.Report{
		SchemaVersion: remediate.ReportSchemaVersion,
		Tool:          remediate.Tool{Name: "keywarden", Version: Version},
		Command:       command, Mode: "plan", Source: source, Action: plan.Action,
		GeneratedAt: time.Now().UTC().Truncate(time.Second),
	}
	fillReport(rep, plan)
	return rep
}

// fillReport copies the plan's items, counts and notes into the report.
func fillReport(rep *remediate.Report, plan *remediate.Plan) {
	rep.Action, rep.Items, rep.Notes = plan.Action, plan.Items, plan.Notes
	rep.Summary = plan.Counts()
}

// writeReport renders the report into memory, then writes it to stdout or atomically to a
// file.
func writeReport(rep *remediate.Report, plan *remediate.Plan, format, path string,
	env *Env) error {
	fillReport(rep, plan)
	write := map[string]func(io.Writer, *remediate.Report) error{
		"text": remediate.WriteText, "json": remediate.WriteJSON,
		"script": remediate.WriteScript,
	}[format]
	if write == nil {
		return errors.New("unknown format " + format)
	}
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}

	if path != "" {
		return output.WriteFileAtomic(path, buf.Bytes())
	}
	_, err := io.Copy(env.Stdout, &buf)
	return err
}
