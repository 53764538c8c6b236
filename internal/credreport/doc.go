// Package credreport reads AWS IAM credential reports.
//
// A credential report is a CSV file with one row per IAM user, plus a first row for the
// account root named <root_account>:
//
//	user,arn,user_creation_time,password_enabled,...,access_key_1_last_rotated,...
//	<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00Z,not_supported,...
//	alice,arn:aws:iam::111122223333:user/alice,2025-06-02T10:00:00Z,true,...
//
// Read accepts the raw CSV as downloaded from the IAM console or decoded from the API, the
// JSON document printed by `aws iam get-credential-report` (whose Content field is the CSV in
// base64), and either of those compressed with gzip. The kind is detected from the content.
//
// Columns are found by header name, in any letter case, so their order and unknown extra
// columns do not matter. Real reports vary over the years: booleans come in either case,
// timestamps end in +00:00 (older reports) or Z (since 2024), and fields hold the distinct
// markers N/A, no_information and not_supported. Read keeps those markers apart in Time.
//
// Every error Read returns is a *ParseError that wraps one of the Err sentinels below and
// names the file, the line and the column where the problem is.
package credreport
