package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/keywarden/keywarden/internal/awsscan"
	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
)

// DefaultConcurrency is how many accounts are scanned at once by default. An account scan
// spends nearly all its time waiting on IAM, whose rate limits apply per account, so
// parallel accounts do not slow each other down on the AWS side; 16 keeps the management
// account's STS AssumeRole rate, open connections and memory modest. See
// docs/performance.md for the measured scaling.
const DefaultConcurrency = 16

// scopeOptions choose which accounts a live scan covers and how it reaches them.
type scopeOptions struct {
	org            bool
	accounts       []string
	accountsFile   string
	exclude        []string
	roleName       string
	externalID     string
	sessionName    string
	forceRole      bool
	concurrency    int
	accountTimeout time.Duration
}

// addScopeFlags declares the account scope flags.
func addScopeFlags(fs *flag.FlagSet, o *scopeOptions) {
	fs.BoolVar(&o.org, "org", false, "scan every active account of the AWS Organization "+
		"(from the management account or a delegated administrator)")
	fs.Var(listFlag{values: &o.accounts, split: true}, "accounts",
		"scan only these account `IDs` (comma-separated, repeatable)")
	fs.StringVar(&o.accountsFile, "accounts-file", "", "read account IDs from `FILE`, one "+
		"per line (# starts a comment)")
	fs.Var(listFlag{values: &o.exclude, split: true}, "exclude-accounts",
		"skip these account `IDs`")
	fs.StringVar(&o.roleName, "role-name", awsscan.DefaultRoleName, "`role` to assume in "+
		"each account other than the caller's")
	fs.StringVar(&o.externalID, "external-id", "", "external `ID` for AssumeRole")
	fs.StringVar(&o.sessionName, "role-session-name", "keywarden", "AssumeRole session `name`")
	fs.BoolVar(&o.forceRole, "force-role", false, "assume --role-name in the caller's own "+
		"account too")
	fs.IntVar(&o.concurrency, "concurrency", DefaultConcurrency, "accounts scanned at once")
	fs.DurationVar(&o.accountTimeout, "account-timeout", 15*time.Minute, "time limit for "+
		"one account's scan")
}

// validate checks the scope flags and reads --accounts-file.
func (o *scopeOptions) validate(offline bool) error {
	if offline && (o.org || len(o.accounts) > 0 || o.accountsFile != "") {
		return fmt.Errorf("%w: --org, --accounts and --accounts-file scan live accounts; "+
			"they cannot be combined with --report", ErrUsage)
	}
	if o.concurrency < 1 {
		return fmt.Errorf("%w: --concurrency %d: expected 1 or more", ErrUsage, o.concurrency)
	}
	if o.accountTimeout <= 0 {
		return fmt.Errorf("%w: --account-timeout must be positive", ErrUsage)
	}
	if o.accountsFile != "" {
		ids, err := readAccountsFile(o.accountsFile)
		if err != nil {
			return err
		}
		o.accounts = append(o.accounts, ids...)
		o.accountsFile = ""
	}
	for _, list := range [][]string{o.accounts, o.exclude} {
		for _, id := range list {
			if !credreport.IsAccountID(id) {
				return fmt.Errorf("%w: account ID %q: expected 12 digits", ErrUsage, id)
			}
		}
	}
	return nil
}

// readAccountsFile reads one account ID per line; blank lines and # comments are skipped.
// Every bad line is reported, and a file with no ID is an error: an empty list must never
// widen a scan or a fix to every account.
func readAccountsFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: --accounts-file: %v", ErrUsage, err)
	}

	var ids, bad []string
	text := strings.TrimPrefix(string(data), "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		id, _, _ := strings.Cut(line, "#")
		id = strings.TrimSpace(id)
		switch {
		case id == "":
		case credreport.IsAccountID(id):
			ids = append(ids, id)
		default:
			bad = append(bad, fmt.Sprintf("%s:%d: account ID %q: expected 12 digits", path,
				i+1, id))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrUsage, strings.Join(bad, "\n"))
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: --accounts-file %s: no account IDs in it", ErrUsage, path)
	}
	return ids, nil
}

// target is one account in scope.
type target struct {
	awsscan.OrgAccount
	// skip is set for accounts listed but not scanned, such as suspended ones.
	skip bool
}

// resolveAccounts lists the accounts in scope: the organization's with --org, else the
// --accounts list, else the caller's own; minus --exclude-accounts.
func resolveAccounts(ctx context.Context, o *scanOptions,
	sessions *awsscan.Sessions) ([]target, error) {
	sc := &o.live.scope
	excluded := map[string]bool{}
	for _, id := range sc.exclude {
		excluded[id] = true
	}
	wanted := map[string]bool{}
	for _, id := range sc.accounts {
		wanted[id] = true
	}

	var all []awsscan.OrgAccount
	switch {
	case sc.org:
		client := organizations.NewFromConfig(sessions.Base)
		accts, err := awsscan.ListOrgAccounts(ctx, client)
		if err != nil {
			return nil, fmt.Errorf("%w: %v; run from the management account or a delegated "+
				"administrator, or name accounts with --accounts", ErrUnreachable, err)
		}
		all = accts
	case len(sc.accounts) > 0:
		for _, id := range sc.accounts {
			all = append(all, awsscan.OrgAccount{ID: id})
		}
	default:
		all = []awsscan.OrgAccount{{ID: sessions.Caller.AccountID}}
	}

	var out []target
	seen := map[string]bool{}
	for _, a := range all {
		if excluded[a.ID] || seen[a.ID] || (sc.org && len(wanted) > 0 && !wanted[a.ID]) {
			continue
		}
		seen[a.ID] = true
		out = append(out, target{OrgAccount: a, skip: sc.org && !a.Active()})
	}
	if sc.org {
		for id := range wanted {
			if !seen[id] && !excluded[id] {
				return nil, fmt.Errorf("%w: --accounts %s is not an account of the "+
					"organization", ErrUsage, id)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no account left to scan after --exclude-accounts",
			ErrUsage)
	}
	return out, nil
}

// scanAccounts scans the targets, --concurrency at a time, each with its own clients and
// --account-timeout. The result keeps the targets' order.
func scanAccounts(ctx context.Context, o *scanOptions, env *Env, sessions *awsscan.Sessions,
	targets []target) []*accountScan {
	sc := &o.live.scope
	scans := make([]*accountScan, len(targets))
	active := 0
	for i, t := range targets {
		if t.skip {
			scans[i] = skippedScan(t)
		} else {
			active++
		}
	}

	unit, total := "accounts", active
	if active == 1 {
		// One account: show the users checked through the API instead of 0/1 accounts.
		unit, total = "users checked", 0
	}
	pr := newProgress(env.Stderr, env.StderrTerminal, o.live.quiet, total, unit)
	penv := *env
	penv.Stderr = pr.writer(env.Stderr)
	if active == 1 && pr != nil {
		o.live.progress = pr.set
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(sc.concurrency, max(active, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				scans[i] = scanOne(ctx, o, &penv, sessions, targets[i])
				pr.done(scans[i].summary[finding.StatusFail],
					scans[i].account.ScanStatus == "error")
			}
		}()
	}
	for i, t := range targets {
		if t.skip {
			continue
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	pr.stop()
	return scans
}

// scanOne scans one target under its own timeout.
func scanOne(ctx context.Context, o *scanOptions, env *Env, sessions *awsscan.Sessions,
	t target) *accountScan {
	actx, cancel := context.WithTimeout(ctx, o.live.scope.accountTimeout)
	defer cancel()

	sc := scanAccount(actx, o, env, sessions, t.ID)
	sc.account.Name, sc.account.State = t.Name, t.State
	for i := range sc.results {
		sc.results[i].AccountName = t.Name
	}
	return sc
}

// skippedScan records an account that is listed but not active.
func skippedScan(t target) *accountScan {
	return &accountScan{
		account: output.Account{ID: t.ID, Name: t.Name, State: t.State, ScanStatus: "skipped"},
		summary: finding.Summarize(nil),
	}
}
