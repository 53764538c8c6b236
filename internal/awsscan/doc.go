// Package awsscan scans one live AWS account for access keys created at user setup and never
// used, through the IAM API.
//
// The report method generates and reads the account's credential report, evaluates it with
// the offline rule, then sharpens every flagged key with live calls: ListAccessKeys ties a
// report slot to its key ID by creation time, GetAccessKeyLastUsed re-checks use (the report
// can be 4 hours old), and ListUsers finds users created after the report, which are then
// evaluated through the API. The api method evaluates every user through the API and is the
// fallback when the credential report is denied.
//
// Account-level failures (a report that never completes, denied calls, timeouts) come back
// as an AccountResult with Err set, never as an empty pass.
package awsscan
