package credreport

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const header = "user,arn,user_creation_time,password_enabled,password_last_used," +
	"password_last_changed,password_next_rotation,mfa_active,access_key_1_active," +
	"access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
	"access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated," +
	"access_key_2_last_used_date,access_key_2_last_used_region," +
	"access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active," +
	"cert_2_last_rotated"

const rootRow = "<root_account>,arn:aws:iam::111122223333:root,2019-03-01T08:00:00+00:00," +
	"not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A," +
	"false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"

const aliceRow = "alice,arn:aws:iam::111122223333:user/alice,2025-03-10T09:00:00Z,true," +
	"no_information,2025-03-10T09:00:01Z,N/A,false,true,2025-03-10T09:00:01Z,N/A,N/A,N/A," +
	"false,2025-04-01T10:00:00Z,2025-05-01T10:00:00Z,us-east-1,s3,false,N/A,false,N/A"

func TestParse_Quirks(t *testing.T) {
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, rep *Report)
	}{
		{"plain LF no trailing newline", header + "\n" + rootRow + "\n" + aliceRow,
			func(t *testing.T, rep *Report) { wantRows(t, rep, 2) }},
		{"UTF-8 BOM", "\ufeff" + header + "\n" + aliceRow,
			func(t *testing.T, rep *Report) { wantRows(t, rep, 1) }},
		{"CRLF line endings", header + "\r\n" + rootRow + "\r\n" + aliceRow + "\r\n",
			func(t *testing.T, rep *Report) {
				wantRows(t, rep, 2)
				if got := rep.Rows[1].Keys[1].LastUsedService; got != "s3" {
					t.Errorf("service = %q, want s3 (CR must not stick to the last field)", got)
				}
			}},
		{"blank lines at the end", header + "\n" + aliceRow + "\n\n\n",
			func(t *testing.T, rep *Report) { wantRows(t, rep, 1) }},
		{"upper-case booleans and header", strings.ToUpper(header[:4]) + header[4:] + "\n" +
			strings.NewReplacer(",true,", ",TRUE,", ",false,", ",FALSE,").Replace(aliceRow),
			func(t *testing.T, rep *Report) {
				if rep.Rows[0].PasswordEnabled != "true" || !rep.Rows[0].Keys[0].Active {
					t.Errorf("booleans not read case-insensitively: %+v", rep.Rows[0])
				}
			}},
		{"both timestamp styles", header + "\n" + rootRow + "\n" + aliceRow,
			func(t *testing.T, rep *Report) {
				want := time.Date(2019, 3, 1, 8, 0, 0, 0, time.UTC)
				if !rep.Rows[0].UserCreated.Equal(want) {
					t.Errorf("+00:00 time = %v, want %v", rep.Rows[0].UserCreated, want)
				}
				if rep.Rows[0].UserCreated.Location() != time.UTC {
					t.Errorf("time not in UTC")
				}
			}},
		{"distinct markers", header + "\n" + rootRow,
			func(t *testing.T, rep *Report) {
				r := rep.Rows[0]
				if r.PasswordEnabled != NotSupported || r.PasswordLastUsed.Marker != NoInformation ||
					r.PasswordNextRotation.Marker != NotSupported || r.Keys[0].LastUsed.Marker != NA {
					t.Errorf("markers mixed up: %+v", r)
				}
			}},
		{"quoted user name with comma", header + "\n" + `"ops,admin",` +
			`"arn:aws:iam::111122223333:user/ops,admin"` + aliceRow[len("alice,arn:aws:iam::"+
			"111122223333:user/alice"):],
			func(t *testing.T, rep *Report) {
				if rep.Rows[0].User != "ops,admin" {
					t.Errorf("user = %q, want ops,admin", rep.Rows[0].User)
				}
			}},
		{"unknown extra column and reordered", "extra," + header + "\nx," + aliceRow,
			func(t *testing.T, rep *Report) {
				if rep.Rows[0].User != "alice" || rep.Rows[0].Keys[1].LastUsedRegion != "us-east-1" {
					t.Errorf("columns not found by name: %+v", rep.Rows[0])
				}
			}},
		{"account and partition from ARN", header + "\n" + strings.ReplaceAll(aliceRow,
			"arn:aws:", "arn:aws-us-gov:"),
			func(t *testing.T, rep *Report) {
				if rep.AccountID != "111122223333" || rep.Partition != "aws-us-gov" {
					t.Errorf("account %q partition %q", rep.AccountID, rep.Partition)
				}
			}},
		{"duplicate user warns", header + "\n" + aliceRow + "\n" + aliceRow,
			func(t *testing.T, rep *Report) {
				want := `r.csv:3: duplicate user "alice" (first on line 2); both rows are evaluated`
				if len(rep.Warnings) != 1 || rep.Warnings[0] != want {
					t.Errorf("warnings = %q, want [%q]", rep.Warnings, want)
				}
			}},
		{"inactive key keeps its timestamp", header + "\n" + aliceRow,
			func(t *testing.T, rep *Report) {
				k := rep.Rows[0].Keys[1]
				if k.Active || !k.LastRotated.Valid() || !k.Present() {
					t.Errorf("inactive slot 2 = %+v, want present with a time", k)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Read("r.csv", strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			tc.check(t, rep)
		})
	}
}

func wantRows(t *testing.T, rep *Report, n int) {
	t.Helper()
	if len(rep.Rows) != n {
		t.Fatalf("rows = %d, want %d", len(rep.Rows), n)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		kind  error
		want  string
	}{
		{"empty file", "", ErrEmpty,
			"r.csv: empty report: expected an IAM credential report"},
		{"header only", header + "\n", ErrEmpty,
			"r.csv:1: empty report: expected an IAM credential report: a header but no rows; " +
				"AWS always writes at least the <root_account> row"},
		{"user and ARN disagree", header + "\n" + strings.Replace(aliceRow, "alice,", "bob,", 1),
			ErrValue, `r.csv:2: column "arn": invalid value "arn:aws:iam::111122223333:` +
				`user/alice": expected the ARN of user "bob", as the user column says`},
		{"user name with an escape", header + "\n" + strings.ReplaceAll(aliceRow, "alice",
			"al\x1b[31mice"), ErrValue, `r.csv:2: column "user": invalid value ` +
			`"al\x1b[31mice": expected an IAM user name of 1 to 64 letters, digits or +=,.@_-`},
		{"missing column", strings.Replace(header, "user_creation_time,", "", 1) + "\n",
			ErrMissingColumn,
			`r.csv:1: column "user_creation_time": missing required column: expected the ` +
				`IAM credential report header (user,arn,user_creation_time,password_enabled,...)`},
		{"wrong field count", header + "\n" + aliceRow + "\nbob,arn:aws:iam::111122223333:user/bob",
			ErrFieldCount, "r.csv:3: wrong number of fields: got 2, expected 22 as in the header"},
		{"bad timestamp", header + "\n" + strings.Replace(aliceRow, "2025-03-10T09:00:00Z",
			"2025-13-10 09:00", 1), ErrTimestamp,
			`r.csv:2: column "user_creation_time": invalid timestamp "2025-13-10 09:00": ` +
				`expected RFC 3339 such as 2025-01-29T16:46:14Z`},
		{"bad optional timestamp", header + "\n" + strings.Replace(aliceRow,
			"2025-05-01T10:00:00Z", "yesterday", 1), ErrTimestamp,
			`r.csv:2: column "access_key_2_last_used_date": invalid timestamp "yesterday": ` +
				`expected RFC 3339 such as 2025-01-29T16:46:14Z, or N/A, no_information or ` +
				`not_supported`},
		{"bad boolean", header + "\n" + strings.Replace(aliceRow, ",true,2025", ",yes,2025", 1),
			ErrValue, `r.csv:2: column "access_key_1_active": invalid value "yes": expected ` +
				`true or false`},
		{"bad ARN", header + "\n" + strings.Replace(aliceRow, "arn:aws:iam::111122223333",
			"arn:aws:iam::1234", 1), ErrValue,
			`r.csv:2: column "arn": invalid value "arn:aws:iam::1234:user/alice": expected ` +
				`arn:PARTITION:iam::ACCOUNT_ID:user/NAME`},
		{"two accounts", header + "\n" + aliceRow + "\n" + strings.ReplaceAll(aliceRow,
			"111122223333", "444455556666"), ErrValue,
			`r.csv:3: column "arn": invalid value "arn:aws:iam::444455556666:user/alice": ` +
				`account 444455556666 differs from 111122223333 in earlier rows; a credential ` +
				`report covers one account`},
		{"stray quote", header + "\n" + `al"ice` + aliceRow[5:], ErrSyntax,
			`r.csv:2: malformed CSV: bare " in non-quoted-field`},
		{"JSON without Content", `{"ReportFormat": "text/csv"}`, ErrEnvelope,
			`r.csv: column "Content": invalid report envelope: missing field: expected the ` +
				`output of aws iam get-credential-report`},
		{"JSON with bad base64", `{"Content": "!!!"}`, ErrEnvelope,
			`r.csv: column "Content": invalid report envelope: expected base64: illegal ` +
				`base64 data at input byte 0`},
		{"JSON with bad format", `{"Content": "", "ReportFormat": "text/xml"}`, ErrEnvelope,
			`r.csv: column "ReportFormat": invalid report envelope: got "text/xml", ` +
				`expected text/csv`},
		{"broken gzip", "\x1f\x8bXXXXXXXXXXXX", ErrEnvelope,
			"r.csv: invalid report envelope: gzip: invalid header"},
		{"gzip inside gzip", gz(gz(header)), ErrEnvelope,
			"r.csv: invalid report envelope: gzip inside gzip: expected one layer of compression"},
		{"UTF-16", "\xff\xfeu\x00s\x00", ErrEnvelope,
			"r.csv: invalid report envelope: UTF-16 text: expected UTF-8, as AWS writes it"},
		{"JSON array", " [1, 2]", ErrEnvelope, "r.csv: invalid report envelope: a JSON " +
			"array: expected the CSV, or the JSON object printed by aws iam get-credential-report"},
		{"truncated gzip", gz(header + "\n" + aliceRow)[:60], ErrRead,
			"r.csv: read failed: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("r.csv", strings.NewReader(tc.input))
			if err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q does not wrap %v", err, tc.kind)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *ParseError", err)
			}
			if tc.want != "" && err.Error() != tc.want {
				t.Errorf("error =\n  %s\nwant\n  %s", err, tc.want)
			}
		})
	}
}

func TestRead_Envelopes(t *testing.T) {
	csvData := header + "\n" + aliceRow
	cliJSON := `{"Content": "` + base64.StdEncoding.EncodeToString([]byte(csvData)) +
		`", "ReportFormat": "text/csv", "GeneratedTime": "2025-06-10T11:00:00+00:00"}`

	tests := []struct {
		name, input, format string
		generated           bool
	}{
		{"raw csv", csvData, "csv", false},
		{"gzip csv", gz(csvData), "csv+gzip", false},
		{"aws cli json", "\n  " + cliJSON, "aws-cli-json", true},
		{"gzip aws cli json", gz(cliJSON), "aws-cli-json+gzip", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Read("r", strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if rep.Format != tc.format {
				t.Errorf("format = %q, want %q", rep.Format, tc.format)
			}
			if (rep.GeneratedTime != nil) != tc.generated {
				t.Errorf("generated time = %v, want set=%v", rep.GeneratedTime, tc.generated)
			}
			if tc.generated && !rep.GeneratedTime.Equal(time.Date(2025, 6, 10, 11, 0, 0, 0,
				time.UTC)) {
				t.Errorf("generated time = %v", rep.GeneratedTime)
			}
			wantRows(t, rep, 1)
		})
	}
}

func gz(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}
