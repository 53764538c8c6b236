package awsscan

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
)

// IAMAPI is the part of the IAM client a scan uses; *iam.Client implements it.
type IAMAPI interface {
	GenerateCredentialReport(context.Context, *iam.GenerateCredentialReportInput,
		...func(*iam.Options)) (*iam.GenerateCredentialReportOutput, error)
	GetCredentialReport(context.Context, *iam.GetCredentialReportInput,
		...func(*iam.Options)) (*iam.GetCredentialReportOutput, error)
	ListUsers(context.Context, *iam.ListUsersInput,
		...func(*iam.Options)) (*iam.ListUsersOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput,
		...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput,
		...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	GetLoginProfile(context.Context, *iam.GetLoginProfileInput,
		...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
}

// RetryOptions tune the SDK's retryer for a scan.
type RetryOptions struct {
	// MaxAttempts is the number of attempts per call, first included.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; zero keeps the SDK default (20 s).
	MaxBackoff time.Duration
}

// NewRetryer returns the SDK's adaptive retryer, which slows down on throttling errors. The
// client-side retry quota is turned off: a scan of many accounts would drain it and fail
// calls that AWS would have answered after a back-off.
func NewRetryer(o RetryOptions) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewAdaptiveMode(func(am *retry.AdaptiveModeOptions) {
			am.StandardOptions = append(am.StandardOptions, func(so *retry.StandardOptions) {
				if o.MaxAttempts > 0 {
					so.MaxAttempts = o.MaxAttempts
				}
				if o.MaxBackoff > 0 {
					so.MaxBackoff = o.MaxBackoff
				}
				so.RateLimiter = ratelimit.None
			})
		})
	}
}

// CallCounter counts API operations by name. It is safe for concurrent use.
type CallCounter struct {
	mu     sync.Mutex // guards counts
	counts map[string]int
}

// NewCallCounter returns an empty counter.
func NewCallCounter() *CallCounter { return &CallCounter{counts: map[string]int{}} }

// Counts returns a copy of the counts.
func (c *CallCounter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Total returns the number of operations counted.
func (c *CallCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Add records one operation.
func (c *CallCounter) Add(op string) {
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
}

// Middleware returns an API option that counts each operation once, however often the SDK
// retries it. Add it to a client's APIOptions.
func (c *CallCounter) Middleware() func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("keywardenCallCount",
			func(ctx context.Context, in middleware.InitializeInput,
				next middleware.InitializeHandler) (middleware.InitializeOutput,
				middleware.Metadata, error) {
				c.Add(awsmiddleware.GetOperationName(ctx))
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}

// NewIAMClient builds an IAM client from cfg that counts calls in counter.
func NewIAMClient(cfg aws.Config, counter *CallCounter) *iam.Client {
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, counter.Middleware())
	})
}
