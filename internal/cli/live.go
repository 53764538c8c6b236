package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"github.com/keywarden/keywarden/internal/awsscan"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/output"
	"github.com/keywarden/keywarden/internal/rule"
)

// liveOptions holds the flags of a live scan.
type liveOptions struct {
	profile       string
	method        string
	maxAttempts   int
	maxBackoff    time.Duration
	reportTimeout time.Duration
	pollInterval  time.Duration
	quiet         bool
	scope         scopeOptions
	// progress, when set, is told how far a single-account scan has come.
	progress func(done, total int)
}

// addLiveFlags declares the live-scan flags.
func addLiveFlags(fs *flag.FlagSet, o *liveOptions) {
	fs.StringVar(&o.profile, "profile", "", "AWS shared config `profile` (default: the SDK's "+
		"chain, AWS_PROFILE included)")
	fs.StringVar(&o.method, "method", awsscan.MethodAuto, "live evaluation `method`: auto "+
		"(credential report, API when denied), report or api")
	fs.IntVar(&o.maxAttempts, "max-attempts", 10, "attempts per AWS call, with adaptive "+
		"backoff on throttling")
	fs.DurationVar(&o.maxBackoff, "max-backoff", 20*time.Second, "longest wait between "+
		"attempts of one call")
	fs.DurationVar(&o.reportTimeout, "report-timeout", 2*time.Minute, "how long to wait for "+
		"the credential report")
	fs.DurationVar(&o.pollInterval, "poll-interval", time.Second, "first wait between "+
		"credential report polls (doubles up to 5s)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	addScopeFlags(fs, &o.scope)
}

// validate checks the live flags; offline is true when --report was given.
func (o *liveOptions) validate(offline bool) error {
	switch o.method {
	case awsscan.MethodAuto, awsscan.MethodReport, awsscan.MethodAPI:
	default:
		return fmt.Errorf("%w: --method %q: expected auto, report or api", ErrUsage, o.method)
	}
	if o.maxAttempts < 1 {
		return fmt.Errorf("%w: --max-attempts %d: expected 1 or more", ErrUsage, o.maxAttempts)
	}
	if o.reportTimeout <= 0 || o.pollInterval <= 0 || o.maxBackoff <= 0 {
		return fmt.Errorf("%w: --report-timeout, --poll-interval and --max-backoff must be "+
			"positive", ErrUsage)
	}
	return o.scope.validate(offline)
}

// loadAWSConfig loads the SDK's default configuration chain with keywarden's retryer.
// Credentials, endpoints (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_IAM, endpoint_url) and the
// region come from the SDK's standard sources only.
func loadAWSConfig(ctx context.Context, o *scanOptions, log *slog.Logger) (aws.Config,
	error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(awsscan.NewRetryer(awsscan.RetryOptions{
			MaxAttempts: o.live.maxAttempts, MaxBackoff: o.live.maxBackoff,
		})),
	}
	if o.live.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.live.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%w: load AWS configuration: %v", ErrUsage, err)
	}
	if cfg.Region == "" {
		// IAM is global; us-east-1 signs its calls in the aws partition.
		cfg.Region = "us-east-1"
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		// Retries show throttling at debug level. Requests and responses are never logged:
		// they carry signatures and session tokens.
		cfg.ClientLogMode = aws.LogRetries
		cfg.Logger = logging.LoggerFunc(func(c logging.Classification, format string,
			v ...any) {
			log.Debug("aws sdk", "message", fmt.Sprintf(format, v...))
		})
	}
	return cfg, nil
}

// newSessions loads the AWS configuration and identifies the caller, which every live
// command needs first.
func newSessions(ctx context.Context, o *scanOptions, env *Env) (*awsscan.Sessions,
	error) {
	cfg, err := loadAWSConfig(ctx, o, env.Logger)
	if err != nil {
		return nil, err
	}
	caller, err := awsscan.Identify(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("scan interrupted: %w", context.Canceled)
		}
		return nil, fmt.Errorf("%w: %v; %s", ErrUnreachable, err, identifyHint(err))
	}
	sc := &o.live.scope
	return &awsscan.Sessions{
		Base: cfg, Caller: caller, RoleName: sc.roleName, ExternalID: sc.externalID,
		SessionName: sc.sessionName, ForceRole: sc.forceRole,
	}, nil
}

// identifyHint suggests a fix for a failed first call: the endpoint, or the credentials.
func identifyHint(err error) string {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return "the AWS endpoint could not be reached; check the network, the proxy and " +
			"AWS_ENDPOINT_URL"
	}
	return "configure credentials the AWS SDK can find (AWS_PROFILE, --profile, " +
		"environment, SSO or an instance role)"
}

// scanLive scans the account the SDK's credentials point to.
func scanLive(ctx context.Context, o *scanOptions, env *Env) (*output.Document, error) {
	run, err := runLive(ctx, o, env)
	if err != nil {
		return nil, err
	}
	return run.doc, nil
}

// liveRun is a finished live scan and the sessions that reached its accounts.
type liveRun struct {
	doc      *output.Document
	sessions *awsscan.Sessions
}

// runLive scans the accounts in scope (the caller's own by default) and returns the
// document and the sessions, so that fix can act with the same credentials.
func runLive(ctx context.Context, o *scanOptions, env *Env) (*liveRun, error) {
	sessions, err := newSessions(ctx, o, env)
	if err != nil {
		return nil, err
	}
	targets, err := resolveAccounts(ctx, o, sessions)
	if err != nil {
		return nil, err
	}
	scans := scanAccounts(ctx, o, env, sessions, targets)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("scan interrupted: %w", context.Canceled)
	}
	doc := assemble(o, scans)
	doc.WindowSeconds = int64(o.window / time.Second)
	doc.Warnings = append(doc.Warnings, o.suppressionWarnings(env)...)
	return &liveRun{doc: doc, sessions: sessions}, nil
}

// assemble merges the account scans into one document, in target order.
func assemble(o *scanOptions, scans []*accountScan) *output.Document {
	sum := finding.Summarize(nil)
	calls := map[string]int{}
	var srcs []output.Source
	var accounts []output.Account
	var kept []finding.Result
	var notes []string
	for _, sc := range scans {
		accounts = append(accounts, sc.account)
		notes = append(notes, sc.notes...)
		if sc.account.ScanStatus == "skipped" {
			continue
		}
		srcs = append(srcs, sc.source)
		sum.Add(sc.summary)
		for k, v := range sc.account.APICalls {
			calls[k] += v
		}
		kept = append(kept, sc.results...)
	}

	doc := newDocument(srcs, sum, kept, o.statuses)
	doc.Accounts = accounts
	doc.APICalls = calls
	doc.Warnings = notes
	return doc
}

// accountScan is the outcome of scanning one account.
type accountScan struct {
	// partition is the caller's, which the accounts of one run share.
	partition string
	account   output.Account
	source    output.Source
	summary   finding.Summary
	results   []finding.Result
	notes     []string
}

// scanAccount scans one account with its own clients. Failures become an account with
// status error, never a pass.
func scanAccount(ctx context.Context, o *scanOptions, env *Env, sessions *awsscan.Sessions,
	accountID string) *accountScan {
	start := time.Now()
	counter := awsscan.NewCallCounter()
	out := &accountScan{
		partition: sessions.Caller.Partition,
		account:   output.Account{ID: accountID, ScanStatus: "scanned"},
		summary:   finding.Summarize(nil),
	}
	defer func() {
		out.account.DurationMS = time.Since(start).Milliseconds()
		out.account.APICalls = counter.Counts()
		out.account.Summary = summaryMap(out.summary)
	}()
	keep := keeper(o.statuses, o.format)

	cfg, err := sessions.Config(ctx, accountID)
	if err != nil {
		out.fail(env, err, sessions.AssumeRoleFix(accountID))
		out.filter(keep)
		return out
	}
	scanner := &awsscan.Scanner{
		IAM: awsscan.NewIAMClient(cfg, counter),
		Opts: awsscan.Options{
			Method: o.live.method, Rule: rule.Options{Window: o.window},
			ReportTimeout: o.live.reportTimeout, PollInterval: o.live.pollInterval,
			Logger: env.Logger.With("account", accountID), Progress: o.live.progress,
		},
	}
	env.Logger.Debug("account scan started", "account", accountID)
	res, err := scanner.Scan(ctx)
	env.Logger.Debug("account scan finished", "account", accountID, "calls", counter.Total(),
		"error", err)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The account's own time limit ran out, whatever call was waiting at the time.
		out.fail(env, fmt.Errorf("scan timed out after %s (--account-timeout) while "+
			"waiting on AWS: %w", o.live.scope.accountTimeout, err),
			"raise --account-timeout; if the credential report is slow to complete, "+
				"lower --report-timeout or use --method api; else look for heavy throttling "+
				"or latency in this account")
		out.filter(keep)
		return out
	}
	if err != nil {
		out.fail(env, err, fixFor(err))
		out.filter(keep)
		return out
	}

	for _, n := range res.Notes {
		env.warnf("account %s: %s", accountID, n)
		out.notes = append(out.notes, "account "+accountID+": "+n)
	}
	for i := range res.Results {
		if res.Results[i].AccountID == "" {
			res.Results[i].AccountID = accountID
			res.Results[i].Partition = sessions.Caller.Partition
		}
		o.mute(&res.Results[i])
	}
	// Keep only what the output shows, so memory grows with kept results, not accounts.
	out.summary = finding.Summarize(res.Results)
	for i := range res.Results {
		if keep == nil || keep(&res.Results[i]) {
			out.results = append(out.results, res.Results[i])
		}
	}
	out.source = output.Source{Kind: "api", AccountID: accountID, Partition: res.Partition,
		Format: res.Method, GeneratedAt: res.ReportGeneratedAt, Users: res.Users}
	return out
}

// filter drops the results the output does not show.
func (a *accountScan) filter(keep func(*finding.Result) bool) {
	if keep == nil {
		return
	}
	kept := a.results[:0]
	for i := range a.results {
		if keep(&a.results[i]) {
			kept = append(kept, a.results[i])
		}
	}
	a.results = kept
}

// fail records an account-level error as the account's one result, status error, so that
// every output format shows the gap and the summary never reads zero errors.
func (a *accountScan) fail(env *Env, err error, fix string) {
	a.account.ScanStatus, a.account.Error, a.account.Fix = "error", err.Error(), fix
	a.source = output.Source{Kind: "api", AccountID: a.account.ID}
	a.results = []finding.Result{{
		RuleID:      rule.ID,
		Status:      finding.StatusError,
		Severity:    finding.SeverityInfo,
		Reason:      finding.ReasonAccountUnreachable,
		AccountID:   a.account.ID,
		Partition:   a.partition,
		Message:     "account " + a.account.ID + " could not be scanned: " + err.Error(),
		Remediation: &finding.Remediation{Summary: fix, Commands: []string{}},
		Source:      finding.Source{Kind: "api"},
	}}
	a.summary = finding.Summarize(a.results)
	a.notes = append(a.notes, a.results[0].Message)
	env.warnf("%s", a.results[0].Message)
}

// fixFor suggests what to do about an account-level error.
func fixFor(err error) string {
	switch {
	case errors.Is(err, awsscan.ErrReportTimeout):
		return "the credential report did not complete; retry later, raise " +
			"--report-timeout, or use --method api"
	case errors.Is(err, awsscan.ErrReportDenied):
		return "grant iam:GenerateCredentialReport and iam:GetCredentialReport, or use " +
			"--method api (see the README for the policies)"
	case awsscan.IsTransient(err):
		return "AWS answered with a temporary failure; retry later, or raise --max-attempts"
	}
	return "check the credentials and the IAM permissions listed in the README"
}

func summaryMap(s finding.Summary) map[string]int {
	m := map[string]int{}
	for k, v := range s {
		m[string(k)] = v
	}
	return m
}
