package awsscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// Methods of evaluating an account.
const (
	MethodAuto   = "auto"   // the credential report, falling back to the API when denied
	MethodReport = "report" // the credential report only
	MethodAPI    = "api"    // per-user API calls only
)

// Options tune an account scan.
type Options struct {
	// Method is MethodAuto, MethodReport or MethodAPI; empty means MethodAuto.
	Method string
	Rule   rule.Options
	// ReportTimeout bounds the wait for the credential report; zero means 2 minutes.
	ReportTimeout time.Duration
	// PollInterval is the first wait between report polls; zero means 1 second.
	PollInterval time.Duration
	// Parallel bounds concurrent per-user API calls; zero means 8.
	Parallel int
	Logger   *slog.Logger
	// Progress, when set, is told how many users are done out of how many.
	Progress func(done, total int)
}

// AccountResult is the outcome of scanning one account.
type AccountResult struct {
	AccountID string
	Partition string
	// Method is the method that produced the results.
	Method string
	// ReportGeneratedAt is the credential report's GeneratedTime, for the report method.
	ReportGeneratedAt *time.Time
	Results           []finding.Result
	// Notes explain what the live checks changed: dropped users, fallbacks, re-checks.
	Notes []string
	Users int
}

// Scanner scans one account through an IAM client.
type Scanner struct {
	IAM  IAMAPI
	Opts Options

	// o is Opts with defaults filled in, set once by Scan.
	o Options
}

// Scan evaluates the account. It returns an error when the account could not be evaluated
// at all; callers turn that into an account with status error, never a pass.
func (s *Scanner) Scan(ctx context.Context) (*AccountResult, error) {
	s.o = s.withDefaults()
	o := s.o
	if o.Method == MethodAPI {
		return s.scanAPI(ctx, nil)
	}

	rep, err := fetchReport(ctx, s.IAM, o.ReportTimeout, o.PollInterval, o.Logger)
	if errors.Is(err, ErrReportDenied) && o.Method == MethodAuto {
		note := fmt.Sprintf("%v; evaluated every user through the IAM API instead", err)
		o.Logger.Debug("falling back to the API", "error", err)
		return s.scanAPI(ctx, []string{note})
	}
	if err != nil {
		return nil, err
	}
	return s.scanReport(ctx, rep)
}

// withDefaults returns the options with defaults filled in.
func (s *Scanner) withDefaults() Options {
	o := s.Opts
	if o.Method == "" {
		o.Method = MethodAuto
	}
	if o.ReportTimeout == 0 {
		o.ReportTimeout = 2 * time.Minute
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.Parallel == 0 {
		o.Parallel = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Rule.Window == 0 {
		o.Rule.Window = rule.DefaultWindow
	}
	return o
}

// scanReport evaluates a downloaded report and sharpens it with live calls.
func (s *Scanner) scanReport(ctx context.Context, cr *credentialReport) (*AccountResult, error) {
	o := s.o
	rep, err := credreport.Read("credential-report", bytes.NewReader(cr.content))
	if err != nil {
		return nil, fmt.Errorf("parse credential report from the API: %w", err)
	}
	rep.GeneratedTime = cr.generated
	o.Logger.Debug("credential report read", "rows", len(rep.Rows), "generated",
		cr.generated)

	res := &AccountResult{
		AccountID: rep.AccountID, Partition: rep.Partition, Method: MethodReport,
		ReportGeneratedAt: cr.generated, Notes: rep.Warnings,
	}

	live, err := listUsers(ctx, s.IAM)
	if err != nil {
		return nil, err
	}

	inReport := map[string]bool{}
	var works []*userWork
	var flagged []*userWork
	for i := range rep.Rows {
		row := &rep.Rows[i]
		inReport[row.User] = true
		if !row.IsRoot() && !live.has(row.User) {
			res.Notes = append(res.Notes, fmt.Sprintf("user %s is in the credential report "+
				"but no longer exists; dropped", row.User))
			continue
		}
		w := &userWork{}
		rule.FromRow(&w.user, rep, row)
		w.user.Source = finding.Source{Kind: "credential-report+api", GeneratedAt: cr.generated}
		w.results = rule.EvaluateAppend(nil, &w.user, rule.Options{Window: o.Rule.Window,
			DeferText: true})
		if needsLiveCheck(w.results) {
			flagged = append(flagged, w)
		}
		works = append(works, w)
	}

	o.Logger.Debug("users listed", "live", len(live.users), "flagged", len(flagged))

	// Sharpen the flagged users: key IDs, fresh last use.
	if err := s.forEach(ctx, len(flagged), func(ctx context.Context, i int) error {
		return s.sharpen(ctx, flagged[i], o.Rule)
	}); err != nil {
		return nil, err
	}
	for _, w := range works {
		if w.dropped {
			res.Notes = append(res.Notes, w.notes...)
			continue
		}
		res.Users++
		res.Results = append(res.Results, w.results...)
	}

	// Users created after the report are evaluated through the API.
	var fresh []types.User
	for _, u := range live.users {
		if !inReport[aws.ToString(u.UserName)] {
			fresh = append(fresh, u)
		}
	}
	newResults, err := s.evaluateUsers(ctx, fresh, rep.AccountID, rep.Partition)
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d users created after the credential "+
			"report were evaluated through the API", len(fresh)))
	}
	res.Users += len(fresh)
	res.Results = append(res.Results, newResults...)

	describeAll(res.Results, o.Rule.Window)
	return res, nil
}

// describeAll writes the message and remediation of every result.
func describeAll(rs []finding.Result, window time.Duration) {
	for i := range rs {
		if rs[i].Message == "" {
			rule.Describe(&rs[i], window)
		}
	}
}

// needsLiveCheck reports whether any key result could change with live data: a fail, or a
// review the key ID or a fresh last use could settle.
func needsLiveCheck(rs []finding.Result) bool {
	for i := range rs {
		if rs[i].IsKey() && (rs[i].Status == finding.StatusFail ||
			rs[i].Status == finding.StatusReview) {
			return true
		}
	}
	return false
}

// userSet is the live user list.
type userSet struct {
	users  []types.User
	byName map[string]bool
}

func (u *userSet) has(name string) bool { return u.byName[name] }

// listUsers pages through ListUsers.
func listUsers(ctx context.Context, client IAMAPI) (*userSet, error) {
	set := &userSet{byName: map[string]bool{}}
	p := iam.NewListUsersPaginator(client, &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		for _, u := range page.Users {
			set.users = append(set.users, u)
			set.byName[aws.ToString(u.UserName)] = true
		}
	}
	sort.Slice(set.users, func(i, j int) bool {
		return strings.ToLower(aws.ToString(set.users[i].UserName)) <
			strings.ToLower(aws.ToString(set.users[j].UserName))
	})
	return set, nil
}
