package awsscan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// Errors of the credential report fetch.
var (
	// ErrReportDenied means the caller may not generate or read the credential report.
	ErrReportDenied = errors.New("credential report denied")
	// ErrReportTimeout means the report did not complete before the deadline.
	ErrReportTimeout = errors.New("credential report did not complete in time")
)

// credentialReport is a downloaded report.
type credentialReport struct {
	content   []byte
	generated *time.Time
}

// fetchReport generates the credential report and downloads it, waiting with backoff until
// it is complete or the deadline passes. Throttling, LimitExceeded and ReportInProgress wait
// and retry; ReportNotPresent and ReportExpired generate again; AccessDenied returns
// ErrReportDenied so the caller can fall back to the API.
func fetchReport(parent context.Context, client IAMAPI, deadline time.Duration,
	poll time.Duration, log *slog.Logger) (*credentialReport, error) {
	ctx, cancel := context.WithTimeout(parent, deadline)
	defer cancel()

	wait := poll
	needGenerate := true
	for attempt := 1; ; attempt++ {
		if needGenerate {
			done, err := generate(ctx, client)
			if err != nil && ctx.Err() != nil {
				return nil, reportTimeout(parent, deadline)
			}
			if err != nil {
				return nil, err
			}
			needGenerate = false
			if !done {
				log.Debug("credential report generating", "attempt", attempt)
				if err := sleep(ctx, &wait); err != nil {
					return nil, reportTimeout(parent, deadline)
				}
				needGenerate = true
				continue
			}
		}

		out, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		switch code := apiCode(err); {
		case err == nil:
			var gen *time.Time
			if out.GeneratedTime != nil {
				t := out.GeneratedTime.UTC()
				gen = &t
			}
			return &credentialReport{content: out.Content, generated: gen}, nil
		case code == "ReportNotPresent" || code == "ReportExpired":
			needGenerate = true
		case ctx.Err() != nil:
			return nil, reportTimeout(parent, deadline)
		case code == "ReportInProgress" || retryable(code):
		case isDenied(code):
			return nil, fmt.Errorf("%w: GetCredentialReport: %v", ErrReportDenied, err)
		default:
			return nil, fmt.Errorf("get credential report: %w", err)
		}
		if err := sleep(ctx, &wait); err != nil {
			return nil, reportTimeout(parent, deadline)
		}
	}
}

// generate asks IAM for a report and reports whether it is complete.
func generate(ctx context.Context, client IAMAPI) (bool, error) {
	out, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	code := apiCode(err)
	switch {
	case err == nil:
		return out.State == types.ReportStateTypeComplete, nil
	case retryable(code):
		return false, nil
	case isDenied(code):
		return false, fmt.Errorf("%w: GenerateCredentialReport: %v", ErrReportDenied, err)
	case ctx.Err() != nil:
		return false, ctx.Err()
	}
	return false, fmt.Errorf("generate credential report: %w", err)
}

// reportTimeout explains why the report wait ended: the caller's context (cancelled, or
// out of its own time), or the report deadline.
func reportTimeout(parent context.Context, deadline time.Duration) error {
	if err := parent.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%w: still not complete after %s; retry later or raise --report-timeout",
		ErrReportTimeout, deadline)
}

// sleep waits for *wait, doubling it up to 5 s for the next time.
func sleep(ctx context.Context, wait *time.Duration) error {
	t := time.NewTimer(*wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	*wait *= 2
	if *wait > 5*time.Second {
		*wait = 5 * time.Second
	}
	return nil
}

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// retryable reports whether a report call should simply be tried again later.
func retryable(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "LimitExceeded", "ServiceFailure",
		"RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return false
}

// isDenied reports whether a code means the caller lacks permission.
func isDenied(code string) bool {
	return code == "AccessDenied" || code == "AccessDeniedException" ||
		code == "UnauthorizedOperation"
}

// IsTransient reports whether err is an AWS failure on the service's side (5xx, or a code
// such as ServiceFailure) that a later retry may not meet.
func IsTransient(err error) bool {
	switch apiCode(err) {
	case "ServiceFailure", "ServiceUnavailable", "InternalFailure", "InternalError",
		"ServiceException":
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
}
