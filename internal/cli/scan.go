package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/rule"
	"github.com/keywarden/keywarden/internal/scan"
	"github.com/keywarden/keywarden/internal/suppress"
)

// reportMaxAge is how old a credential report can be before users created since are likely
// missing from it: AWS regenerates reports older than 4 hours.
const reportMaxAge = 4 * time.Hour

// scanOptions holds the flag values of scan.
type scanOptions struct {
	reports  []string
	window   time.Duration
	format   string
	statuses []finding.Status
	output   string
	failOn   string
	ndjson   bool
	region   string
	live     liveOptions
	// suppressionsFile is --suppressions; suppressions is the loaded set, or nil.
	suppressionsFile string
	suppressions     *suppress.Set
	logLevel         string
}

const scanUsage = `Usage: keywarden scan [--report PATH]... [flags]

With --report, evaluates IAM credential reports: CSV, the JSON printed by
'aws iam get-credential-report', or either gzip-compressed. PATH may be a file,
a directory (every regular file in it) or - for standard input. Without --report, scans
the AWS account that the SDK's default credentials point to.

Exit codes: 0 nothing failing, 1 a fail (or review with --fail-on review),
2 usage or input error, 3 accounts could not be scanned, 130 interrupted.

Flags:
`

// declareScanFlags declares the flags that choose and shape a scan on fs. Commands that
// scan first, like fix, declare them too.
func declareScanFlags(fs *flag.FlagSet, o *scanOptions, statuses *[]string) {
	fs.Var(listFlag{values: &o.reports}, "report",
		"credential report `PATH` (file, directory or -); repeatable")
	fs.DurationVar(&o.window, "window", rule.DefaultWindow,
		"setup `window`: keys created this soon after the user count as setup keys")
	fs.StringVar(&o.format, "format", "text", "output `format`: "+formatList())
	fs.StringVar(&o.output, "output", "", "write the output to `FILE` atomically")
	fs.StringVar(&o.failOn, "fail-on", "fail", "`status` that makes the exit code 1: fail "+
		"or review")
	fs.BoolVar(&o.ndjson, "ndjson", false, "one JSON value per line: a finding (ocsf) or a "+
		"batch of findings (asff)")
	fs.StringVar(&o.region, "region", "", "AWS `region` for the SDK and ASFF product ARNs")
	fs.StringVar(&o.suppressionsFile, "suppressions", "", "mute accepted findings listed in "+
		"the YAML `FILE` (each entry needs a reason and an expiry)")
	fs.StringVar(&o.logLevel, "log-level", "", "diagnostic log `level` on stderr: debug, "+
		"info, warn or error (default warn, or KEYWARDEN_LOG_LEVEL); warnings about the "+
		"input are always shown")
	fs.Var(listFlag{values: statuses, split: true}, "status",
		"keep only these `statuses` in the output, e.g. fail,review")
	addLiveFlags(fs, &o.live)
}

// validateScan checks the values declareScanFlags read.
func validateScan(o *scanOptions, statuses []string) error {
	var err error
	if o.logLevel != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(o.logLevel)); err != nil {
			return fmt.Errorf("%w: --log-level %q: expected debug, info, warn or error",
				ErrUsage, o.logLevel)
		}
	}
	if o.statuses, err = parseStatuses(statuses); err != nil {
		return err
	}
	if _, err := output.Lookup(o.format); err != nil {
		return fmt.Errorf("%w: --format: %v", ErrUsage, err)
	}
	if o.window <= 0 {
		return fmt.Errorf("%w: --window %s: expected a positive duration such as 60s",
			ErrUsage, o.window)
	}
	if o.ndjson && o.format != "ocsf" && o.format != "asff" {
		return fmt.Errorf("%w: --ndjson applies to --format ocsf and asff only", ErrUsage)
	}
	if len(o.reports) > 0 && (o.live.method != "auto" || o.live.profile != "") {
		return fmt.Errorf("%w: --method and --profile choose how live accounts are read; "+
			"they cannot be combined with --report", ErrUsage)
	}
	stdin := 0
	for _, r := range o.reports {
		if r == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return fmt.Errorf("%w: --report - names standard input, which can be read once",
			ErrUsage)
	}
	if o.failOn != "fail" && o.failOn != "review" {
		return fmt.Errorf("%w: --fail-on %q: expected fail or review", ErrUsage, o.failOn)
	}
	if o.suppressionsFile != "" {
		if o.suppressions, err = suppress.Load(o.suppressionsFile); err != nil {
			return fmt.Errorf("%w: --suppressions: %v", ErrUsage, err)
		}
	}
	return o.live.validate(len(o.reports) > 0)
}

// applyLogLevel replaces the logger when --log-level was given.
func (o *scanOptions) applyLogLevel(env *Env) {
	if o.logLevel != "" {
		env.Logger = newLogger(env.Stderr, o.logLevel)
	}
}

// mute applies the suppressions to a result, if any were given.
func (o *scanOptions) mute(r *finding.Result) {
	if o.suppressions != nil {
		o.suppressions.Apply(r, time.Now())
	}
}

// suppressionWarnings prints and returns the expired and unused suppressions.
func (o *scanOptions) suppressionWarnings(env *Env) []string {
	if o.suppressions == nil {
		return nil
	}
	ws := o.suppressions.Warnings(time.Now())
	for _, w := range ws {
		env.warnf("%s", w)
	}
	return ws
}

// parseScan turns argv into options, validating every value.
func parseScan(args []string, env *Env) (*scanOptions, error) {
	o := &scanOptions{}
	var statuses []string
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, scanUsage)
		fs.PrintDefaults()
	}
	declareScanFlags(fs, o, &statuses)
	if err := parseFlags(fs, args, env.Stderr); err != nil {
		return nil, err
	}
	if err := validateScan(o, statuses); err != nil {
		return nil, err
	}
	o.applyLogLevel(env)
	return o, nil
}

// runScan parses the flags, scans, renders and picks the outcome.
func runScan(ctx context.Context, args []string, env *Env) error {
	o, err := parseScan(args, env)
	if err != nil {
		return err
	}

	var doc *output.Document
	if len(o.reports) > 0 {
		doc, err = scanReports(ctx, o, env)
	} else {
		doc, err = scanLive(ctx, o, env)
	}
	if err != nil {
		return err
	}

	if err := render(doc, o.format, o.output, o.ndjson, o.region, env); err != nil {
		return err
	}
	return outcome(doc, o.failOn)
}

// scanReports evaluates the --report inputs.
func scanReports(ctx context.Context, o *scanOptions, env *Env) (*output.Document, error) {
	paths, skipped, err := scan.ExpandPaths(o.reports)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	for _, s := range skipped {
		env.warnf("%s", s)
	}
	env.Logger.Debug("reading credential reports", "files", len(paths))

	out, err := scan.Files(ctx, paths, scan.Options{
		Rule:   rule.Options{Window: o.window},
		Keep:   keeper(o.statuses, o.format),
		Stdin:  env.Stdin,
		Mutate: o.mute,
	})
	var inErr *scan.InputError
	if errors.As(err, &inErr) {
		return nil, fmt.Errorf("%w: %d of %d reports could not be read, no report written:\n%v",
			ErrInput, len(inErr.Errs), len(paths), err)
	}
	if err != nil {
		return nil, err
	}

	warnings := out.Warnings
	for _, src := range out.Sources {
		env.Logger.Debug("credential report read", "path", src.Path, "format", src.Format,
			"account", src.AccountID, "users", src.Users)
	}
	for _, rep := range out.Reports {
		if w := staleWarning(rep.Path, rep.GeneratedTime, time.Now()); w != "" {
			warnings = append(warnings, w)
		}
	}
	for _, w := range warnings {
		env.warnf("%s", w)
	}
	warnings = append(warnings, o.suppressionWarnings(env)...)

	doc := newDocument(out.Sources, out.Summary, out.Results, o.statuses)
	doc.Warnings = warnings
	doc.WindowSeconds = int64(o.window / time.Second)
	return doc, nil
}

// staleWarning explains what a report older than reportMaxAge misses.
func staleWarning(path string, generated *time.Time, now time.Time) string {
	if generated == nil || now.Sub(*generated) <= reportMaxAge {
		return ""
	}
	age := now.Sub(*generated)
	ago := fmt.Sprintf("%d hours", int(age.Hours()))
	if age >= 48*time.Hour {
		ago = fmt.Sprintf("%d days", int(age.Hours()/24))
	}
	return fmt.Sprintf("%s: report generated %s (%s ago): users and keys created since are "+
		"missing from it; generate a fresh one or scan the account live", path,
		generated.UTC().Format(time.RFC3339), ago)
}

// keeper returns the result filter for a run. The text format shows fail, review, error and
// muted only, so it keeps nothing else unless --status asks for it.
func keeper(statuses []finding.Status, format string) func(*finding.Result) bool {
	if len(statuses) == 0 && format != "text" {
		return nil
	}
	if len(statuses) == 0 {
		statuses = []finding.Status{finding.StatusFail, finding.StatusReview,
			finding.StatusError, finding.StatusMuted}
	}
	keep := map[finding.Status]bool{}
	for _, s := range statuses {
		keep[s] = true
	}
	return func(r *finding.Result) bool { return keep[r.Status] }
}

// newDocument assembles the output document.
func newDocument(srcs []output.Source, sum finding.Summary, rs []finding.Result,
	filter []finding.Status) *output.Document {
	if rs == nil {
		rs = []finding.Result{}
	}
	output.SortResults(rs)
	return &output.Document{
		SchemaVersion: output.SchemaVersion,
		Tool:          output.Tool{Name: "keywarden", Version: Version},
		GeneratedAt:   time.Now().UTC().Truncate(time.Second),
		Sources:       srcs,
		Summary:       sum,
		Results:       rs,
		Filter:        filter,
	}
}

// render formats the document through a temporary file, so a failure never leaves half a
// report and memory never holds the rendered output, then writes it to stdout or
// atomically to a file.
func render(doc *output.Document, format, path string, ndjson bool, region string,
	env *Env) error {
	f, err := output.Lookup(format)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	formatter := f.New(output.Options{
		Terminal: env.StdoutTerminal && path == "" && env.Getenv("NO_COLOR") == "",
		NDJSON:   ndjson, Region: region,
	})
	write := func(w io.Writer) error {
		if err := formatter.Format(w, doc); err != nil {
			return fmt.Errorf("render %s: %w", format, err)
		}
		return nil
	}

	if path != "" {
		return output.WriteAtomic(path, write)
	}
	return output.WriteWhole(env.Stdout, write)
}

// outcome picks the error that maps to the run's exit code.
func outcome(doc *output.Document, failOn string) error {
	unreachable := false
	for _, a := range doc.Accounts {
		if a.ScanStatus == "error" {
			unreachable = true
		}
	}
	switch {
	case unreachable || doc.Summary[finding.StatusError] > 0:
		return ErrUnreachable
	case doc.Summary[finding.StatusFail] > 0:
		return ErrFindings
	case failOn == "review" && doc.Summary[finding.StatusReview] > 0:
		return ErrFindings
	}
	return nil
}

func formatList() string {
	s := ""
	for i, n := range output.Names() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}
