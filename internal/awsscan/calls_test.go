package awsscan

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/finding"
)

// accountOf builds one account of n users where every twentieth user has an unused setup
// key, the rest a key created a week after the user; the report exists already.
func accountOf(n int) *awsemu.Scenario {
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	acct := awsemu.Account{ID: "111122223333", Created: now.AddDate(-3, 0, 0),
		Report: &awsemu.ReportSpec{Generated: now.Add(-time.Hour)}}
	for u := 0; u < n; u++ {
		created := now.AddDate(-1, 0, 0).Add(time.Duration(u) * time.Minute)
		keyAt := created.Add(7 * 24 * time.Hour)
		if u%20 == 0 {
			keyAt = created.Add(time.Second)
		}
		acct.Users = append(acct.Users, awsemu.User{
			Name: fmt.Sprintf("user-%05d", u), Created: created,
			Password: &awsemu.Password{Created: created},
			AccessKeys: []awsemu.AccessKey{{ID: fmt.Sprintf("AKIACALLS%011d", u),
				Created: keyAt, Status: "Active"}},
		})
	}
	return &awsemu.Scenario{Now: now, Accounts: []awsemu.Account{acct}}
}

// newTestIAM returns an IAM client for the emulator that counts calls.
func newTestIAM(srv *awsemu.Server, counter *CallCounter) *iam.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAADMIN", "secret", ""),
		BaseEndpoint: aws.String(srv.URL()),
	}
	return NewIAMClient(cfg, counter)
}

// plainWalk is what a tool without the credential report does: ListUsers, then
// ListAccessKeys for every user and GetAccessKeyLastUsed for every key.
func plainWalk(ctx context.Context, client IAMAPI) error {
	users, err := listUsers(ctx, client)
	if err != nil {
		return err
	}
	for _, u := range users.users {
		keys, err := listAccessKeys(ctx, client, aws.ToString(u.UserName))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := client.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
				AccessKeyId: k.AccessKeyId}); err != nil {
				return err
			}
		}
	}
	return nil
}

// BenchmarkAPICalls reports the API calls one account scan makes as the user count grows,
// next to a plain per-user walk. Every twentieth user is flagged.
func BenchmarkAPICalls(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			srv := emutest.Start(b, accountOf(n))
			var keywarden, walk, flagged int
			for b.Loop() {
				kc, wc := NewCallCounter(), NewCallCounter()
				s := &Scanner{IAM: newTestIAM(srv, kc), Opts: Options{Method: MethodReport}}
				res, err := s.Scan(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if err := plainWalk(context.Background(), newTestIAM(srv, wc)); err != nil {
					b.Fatal(err)
				}
				keywarden, walk = kc.Total(), wc.Total()
				flagged = finding.Summarize(res.Results)[finding.StatusFail]
			}
			b.ReportMetric(float64(keywarden), "calls-keywarden")
			b.ReportMetric(float64(walk), "calls-plain-walk")
			b.ReportMetric(float64(flagged), "flagged-users")
		})
	}
}

// TestAPICalls_Budget checks the call budget: 3 calls plus 2 per flagged user.
func TestAPICalls_Budget(t *testing.T) {
	srv := emutest.Start(t, accountOf(400))
	counter := NewCallCounter()
	s := &Scanner{IAM: newTestIAM(srv, counter), Opts: Options{Method: MethodReport}}
	res, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	flagged := finding.Summarize(res.Results)[finding.StatusFail]
	if flagged != 20 {
		t.Fatalf("flagged %d, want 20", flagged)
	}
	if got, budget := counter.Total(), 3+2*flagged; got > budget {
		t.Errorf("calls %d %v, want at most %d", got, counter.Counts(), budget)
	}
}
