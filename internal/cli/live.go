package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
	return nil
}

// loadAWSConfig loads the SDK's default configuration chain with keywarden's retryer.
// Credentials, endpoints (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_IAM, endpoint_url) and the
// region come from the SDK's standard sources only.
func loadAWSConfig(ctx context.Context, o *scanOptions) (aws.Config, error) {
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
	return cfg, nil
}

// scanLive scans the account the SDK's credentials point to.
func scanLive(ctx context.Context, o *scanOptions, env *Env) (*output.Document, error) {
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}

	counter := awsscan.NewCallCounter()
	start := time.Now()
	scanner := &awsscan.Scanner{
		IAM: awsscan.NewIAMClient(cfg, counter),
		Opts: awsscan.Options{
			Method: o.live.method, Rule: rule.Options{Window: o.window},
			ReportTimeout: o.live.reportTimeout, PollInterval: o.live.pollInterval,
			Logger: env.Logger,
		},
	}
	res, scanErr := scanner.Scan(ctx)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("scan interrupted: %w", context.Canceled)
	}

	acct := output.Account{ScanStatus: "scanned", DurationMS: time.Since(start).Milliseconds()}
	if scanErr != nil {
		acct.ScanStatus, acct.Error, acct.Fix = "error", scanErr.Error(), fixFor(scanErr)
		acct.ID = callerAccount(ctx, cfg, counter)
		res = &awsscan.AccountResult{AccountID: acct.ID}
		env.warnf("account %s could not be scanned: %v", orUnknown(acct.ID), scanErr)
	} else if res.AccountID == "" {
		res.AccountID = callerAccount(ctx, cfg, counter)
	}
	acct.ID = res.AccountID
	acct.APICalls = counter.Counts()

	for _, n := range res.Notes {
		env.warnf("%s", n)
	}
	keep := keeper(o.statuses, o.format)
	sum := finding.Summarize(res.Results)
	acct.Summary = summaryMap(sum)
	var kept []finding.Result
	for i := range res.Results {
		if keep == nil || keep(&res.Results[i]) {
			kept = append(kept, res.Results[i])
		}
	}

	src := output.Source{Kind: "api", AccountID: res.AccountID, Partition: res.Partition,
		Format: res.Method, GeneratedAt: res.ReportGeneratedAt, Users: res.Users}
	doc := newDocument([]output.Source{src}, sum, kept, o.statuses)
	doc.Accounts = []output.Account{acct}
	doc.APICalls = acct.APICalls
	doc.Warnings = res.Notes
	return doc, nil
}

// callerAccount asks STS which account the credentials belong to, or returns "".
func callerAccount(ctx context.Context, cfg aws.Config, counter *awsscan.CallCounter) string {
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.APIOptions = append(o.APIOptions, counter.Middleware())
	})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return ""
	}
	if a, err := arn.Parse(aws.ToString(out.Arn)); err == nil {
		return a.AccountID
	}
	return aws.ToString(out.Account)
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

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
