// Package scan evaluates credential reports read from files, concurrently, and gathers the
// results that a run keeps.
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/rule"
)

// Stdin is the path that names standard input.
const Stdin = "-"

// Options tune an offline scan.
type Options struct {
	Rule rule.Options
	// Keep reports whether a result is kept in the output; nil keeps all. The summary counts
	// every result either way, so memory stays bounded by what is kept.
	Keep func(*finding.Result) bool
	// Workers bounds how many reports are parsed at once; zero means GOMAXPROCS.
	Workers int
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Mutate, when set, is applied to each result before Keep, e.g. to apply suppressions.
	Mutate func(*finding.Result)
}

// Outcome is what an offline scan produced.
type Outcome struct {
	Sources  []output.Source
	Summary  finding.Summary
	Results  []finding.Result
	Warnings []string
	// Reports are the parsed reports' metadata, in input order (rows dropped).
	Reports []*credreport.Report
}

// InputError collects every input that could not be read, so one bad file never hides
// another.
type InputError struct{ Errs []error }

// Error lists every failing input, one per line.
func (e *InputError) Error() string {
	msg := ""
	for i, err := range e.Errs {
		if i > 0 {
			msg += "\n"
		}
		msg += err.Error()
	}
	return msg
}

// Unwrap returns the individual errors.
func (e *InputError) Unwrap() []error { return e.Errs }

// ExpandPaths turns the --report arguments into files: a directory means every regular
// file in it (links followed), sorted by name; "-" is standard input. Subdirectories and
// hidden files are passed over, and each one passed over is named in skipped.
func ExpandPaths(args []string) (files, skipped []string, err error) {
	for _, a := range args {
		if a == Stdin {
			files = append(files, a)
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return nil, nil, fmt.Errorf("read report %s: %w", a, errors.Unwrap(err))
		}
		if !info.IsDir() {
			files = append(files, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, nil, fmt.Errorf("read report directory %s: %w", a, err)
		}
		n := len(files)
		for _, e := range entries {
			p := filepath.Join(a, e.Name())
			st, err := os.Stat(p)
			switch {
			case err != nil:
				skipped = append(skipped, fmt.Sprintf("%s: skipped: %v", p, err))
			case e.Name()[0] == '.':
				skipped = append(skipped, p+": skipped: hidden entry")
			case st.IsDir():
				skipped = append(skipped, p+": skipped: directories are not read recursively")
			case st.Mode().IsRegular():
				files = append(files, p)
			default:
				skipped = append(skipped, p+": skipped: not a regular file")
			}
		}
		if len(files) == n {
			return nil, nil, fmt.Errorf("read report directory %s: no report files in it", a)
		}
	}
	return files, skipped, nil
}

// fileOutcome is the part of the outcome one file contributes.
type fileOutcome struct {
	report  *credreport.Report
	summary finding.Summary
	results []finding.Result
	users   int
	err     error
}

// Files parses and evaluates every file, several at a time, and merges the outcomes in input
// order. When any file fails, it returns an *InputError naming all failures and no outcome.
func Files(ctx context.Context, paths []string, opts Options) (*Outcome, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	outs := make([]fileOutcome, len(paths))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outs[i] = evaluateFile(paths[i], opts)
			}
		}()
	}
	for i := range paths {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	return merge(outs)
}

// merge combines per-file outcomes or gathers their errors.
func merge(outs []fileOutcome) (*Outcome, error) {
	var errs []error
	o := &Outcome{Summary: finding.Summarize(nil)}
	for i := range outs {
		f := &outs[i]
		if f.err != nil {
			errs = append(errs, f.err)
			continue
		}
		o.Summary.Add(f.summary)
		o.Results = append(o.Results, f.results...)
		o.Warnings = append(o.Warnings, f.report.Warnings...)
		o.Reports = append(o.Reports, f.report)
		o.Sources = append(o.Sources, output.Source{
			Kind: "credential-report", Path: f.report.Path, Format: f.report.Format,
			AccountID: f.report.AccountID, Partition: f.report.Partition,
			GeneratedAt: f.report.GeneratedTime, Users: f.users,
		})
	}
	if len(errs) > 0 {
		return nil, &InputError{Errs: errs}
	}
	o.Warnings = append(o.Warnings, overlapWarnings(o.Reports)...)
	sort.SliceStable(o.Results, func(i, j int) bool {
		return o.Results[i].AccountID < o.Results[j].AccountID
	})
	return o, nil
}

// evaluateFile streams one report through the rule, keeping what opts.Keep accepts, so
// memory holds one row and the kept results, never the whole report.
func evaluateFile(path string, opts Options) fileOutcome {
	out := fileOutcome{summary: finding.Summarize(nil)}
	var u rule.User
	var batch []finding.Result
	ruleOpts := opts.Rule
	ruleOpts.DeferText = true
	rep, err := streamPath(path, opts.Stdin, func(rep *credreport.Report,
		row *credreport.Row) error {
		rule.FromRow(&u, rep, row)
		batch = rule.EvaluateAppend(batch[:0], &u, ruleOpts)
		for i := range batch {
			r := &batch[i]
			if opts.Mutate != nil {
				opts.Mutate(r)
			}
			out.summary[r.Status]++
			if opts.Keep == nil || opts.Keep(r) {
				rule.Describe(r, opts.Rule.Window)
				out.results = append(out.results, *r)
			}
		}
		out.users++
		return nil
	})
	if err != nil {
		return fileOutcome{err: err}
	}
	out.report = rep
	return out
}

// streamPath streams one input through fn; "-" reads stdin.
func streamPath(path string, stdin io.Reader,
	fn func(*credreport.Report, *credreport.Row) error) (*credreport.Report, error) {
	if path == Stdin {
		if stdin == nil {
			return nil, errors.New("read report -: no standard input")
		}
		return credreport.Stream(path, stdin, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open credential report: %w", err)
	}
	defer f.Close()
	return credreport.Stream(path, f, fn)
}

// overlapWarnings names reports that cover the same account: their results are all kept,
// so the account's users are counted once per report.
func overlapWarnings(reps []*credreport.Report) []string {
	first := map[string]string{}
	var out []string
	for _, r := range reps {
		key := r.Partition + ":" + r.AccountID
		if prev, ok := first[key]; ok {
			out = append(out, fmt.Sprintf("%s and %s both cover account %s: its users are "+
				"evaluated and counted once per report; scan one report per account",
				prev, r.Path, r.AccountID))
			continue
		}
		first[key] = r.Path
	}
	return out
}
