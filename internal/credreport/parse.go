package credreport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Column names of the credential report header, in AWS's order.
const (
	colUser                 = "user"
	colARN                  = "arn"
	colUserCreationTime     = "user_creation_time"
	colPasswordEnabled      = "password_enabled"
	colPasswordLastUsed     = "password_last_used"
	colPasswordLastChanged  = "password_last_changed"
	colPasswordNextRotation = "password_next_rotation"
	colMFAActive            = "mfa_active"
)

// keyColumnNames holds the column names of access key slots 1 and 2.
var keyColumnNames = [2][5]string{
	{"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
		"access_key_1_last_used_region", "access_key_1_last_used_service"},
	{"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
		"access_key_2_last_used_region", "access_key_2_last_used_service"},
}

// keyColumns returns the column names of access key slot n (1 or 2).
func keyColumns(n int) (active, rotated, used, region, service string) {
	c := keyColumnNames[n-1]
	return c[0], c[1], c[2], c[3], c[4]
}

// RequiredColumns lists the header names the rule cannot do without.
var RequiredColumns = []string{
	colUser, colARN, colUserCreationTime, colPasswordEnabled,
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
}

// columns maps header names to field indexes; -1 marks an absent optional column.
type columns struct {
	user, arn, created, pwEnabled, pwUsed, pwChanged, pwNext, mfa int
	keys                                                          [2]keyIndexes
	count                                                         int
}

type keyIndexes struct{ active, rotated, used, region, service int }

// parseStream reads a raw credential report CSV into rep, calling fn for each row instead of
// keeping it. The row is only valid during the call.
func parseStream(path string, r io.Reader, fn func(*Row) error, rep *Report) (*Report, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Path: path, Err: ErrEmpty}
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	cols, err := mapHeader(path, header)
	if err != nil {
		return nil, err
	}

	p := parser{path: path, cols: cols}
	seen := map[string]int{}
	var row Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		line, _ := cr.FieldPos(0)

		if row, err = p.row(rec, line); err != nil {
			return nil, err
		}
		if err := rep.setAccount(path, &row); err != nil {
			return nil, err
		}
		if first, dup := seen[row.User]; dup {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"%s:%d: duplicate user %q (first on line %d); both rows are evaluated",
				path, line, row.User, first))
		} else {
			seen[row.User] = line
		}
		if err := fn(&row); err != nil {
			return nil, err
		}
	}
	if len(seen) == 0 {
		return nil, &ParseError{Path: path, Line: 1, Err: fmt.Errorf("%w: a header but no "+
			"rows; AWS always writes at least the <root_account> row", ErrEmpty)}
	}
	return rep, nil
}

// csvError converts an encoding/csv error into a ParseError with its line.
func csvError(path string, err error) error {
	var ce *csv.ParseError
	if errors.As(err, &ce) {
		return &ParseError{Path: path, Line: ce.Line, Err: fmt.Errorf("%w: %v", ErrSyntax, ce.Err)}
	}
	return &ParseError{Path: path, Err: fmt.Errorf("%w: %v", ErrRead, err)}
}

// mapHeader finds every known column by name, ignoring case, a UTF-8 BOM and extra columns.
func mapHeader(path string, header []string) (columns, error) {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	for _, name := range RequiredColumns {
		if _, ok := idx[name]; !ok {
			return columns{}, &ParseError{Path: path, Line: 1, Column: name, Err: fmt.Errorf(
				"%w: expected the IAM credential report header (user,arn,"+
					"user_creation_time,password_enabled,...)", ErrMissingColumn)}
		}
	}

	get := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	c := columns{
		user: get(colUser), arn: get(colARN), created: get(colUserCreationTime),
		pwEnabled: get(colPasswordEnabled), pwUsed: get(colPasswordLastUsed),
		pwChanged: get(colPasswordLastChanged), pwNext: get(colPasswordNextRotation),
		mfa: get(colMFAActive), count: len(header),
	}
	for n := 1; n <= 2; n++ {
		a, r, u, reg, svc := keyColumns(n)
		c.keys[n-1] = keyIndexes{get(a), get(r), get(u), get(reg), get(svc)}
	}
	return c, nil
}

// parser turns records into rows; it keeps the header so errors can name columns.
type parser struct {
	path string
	cols columns
	// lastDate and lastDays cache the day of the last timestamp parsed.
	lastDate string
	lastDays int64
}

// row converts one CSV record. The record's strings are fresh per read, so keeping them in
// the row is safe even with ReuseRecord.
func (p *parser) row(rec []string, line int) (Row, error) {
	if len(rec) != p.cols.count {
		return Row{}, &ParseError{Path: p.path, Line: line, Err: fmt.Errorf(
			"%w: got %d, expected %d as in the header", ErrFieldCount, len(rec), p.cols.count)}
	}

	row := Row{Line: line, User: rec[p.cols.user], ARN: rec[p.cols.arn]}
	var err error
	row.UserCreated, err = p.timestamp(rec, line, p.cols.created, colUserCreationTime)
	if err != nil {
		return Row{}, err
	}
	if row.PasswordEnabled, err = p.flag(rec, line, p.cols.pwEnabled, colPasswordEnabled,
		true); err != nil {
		return Row{}, err
	}
	if p.cols.mfa >= 0 {
		if row.MFAActive, err = p.flag(rec, line, p.cols.mfa, colMFAActive, true); err != nil {
			return Row{}, err
		}
	}
	if row.PasswordLastUsed, err = p.optTime(rec, line, p.cols.pwUsed,
		colPasswordLastUsed); err != nil {
		return Row{}, err
	}
	if row.PasswordLastChanged, err = p.optTime(rec, line, p.cols.pwChanged,
		colPasswordLastChanged); err != nil {
		return Row{}, err
	}
	if row.PasswordNextRotation, err = p.optTime(rec, line, p.cols.pwNext,
		colPasswordNextRotation); err != nil {
		return Row{}, err
	}

	for i := range row.Keys {
		if row.Keys[i], err = p.key(rec, line, i+1); err != nil {
			return Row{}, err
		}
	}
	return row, nil
}

// key reads access key slot n.
func (p *parser) key(rec []string, line, n int) (Key, error) {
	ix := p.cols.keys[n-1]
	aName, rName, uName, _, _ := keyColumns(n)

	active, err := p.flag(rec, line, ix.active, aName, false)
	if err != nil {
		return Key{}, err
	}
	k := Key{Active: active == "true"}
	if k.LastRotated, err = p.optTime(rec, line, ix.rotated, rName); err != nil {
		return Key{}, err
	}
	if k.LastUsed, err = p.optTime(rec, line, ix.used, uName); err != nil {
		return Key{}, err
	}
	k.LastUsedRegion = field(rec, ix.region, NA)
	k.LastUsedService = field(rec, ix.service, NA)
	return k, nil
}

// field returns rec[i], or def when the column is absent.
func field(rec []string, i int, def string) string {
	if i < 0 {
		return def
	}
	return rec[i]
}

// flag reads a boolean in any letter case; with allowNS it also accepts not_supported.
func (p *parser) flag(rec []string, line, i int, name string, allowNS bool) (string, error) {
	v := rec[i]
	switch {
	case v == "true" || v == "false":
		// The lower-case spelling AWS writes; the cases below accept any other.
		return v, nil
	case strings.EqualFold(v, "true"):
		return "true", nil
	case strings.EqualFold(v, "false"):
		return "false", nil
	case allowNS && strings.EqualFold(v, NotSupported):
		return NotSupported, nil
	}
	want := "true or false"
	if allowNS {
		want = "true, false or not_supported"
	}
	return "", &ParseError{Path: p.path, Line: line, Column: name, Err: fmt.Errorf(
		"%w %q: expected %s", ErrValue, v, want)}
}

// timestamp reads a field that must hold a time.
func (p *parser) timestamp(rec []string, line, i int, name string) (time.Time, error) {
	t, err := p.parseTime(rec[i])
	if err != nil {
		return time.Time{}, &ParseError{Path: p.path, Line: line, Column: name, Err: fmt.Errorf(
			"%w %q: expected RFC 3339 such as 2025-01-29T16:46:14Z", ErrTimestamp, rec[i])}
	}
	return t, nil
}

// optTime reads a field that holds a time or a marker. An absent column reads as N/A.
func (p *parser) optTime(rec []string, line, i int, name string) (Time, error) {
	if i < 0 {
		return Time{Marker: NA}, nil
	}
	v := rec[i]
	switch {
	case v == NA || strings.EqualFold(v, "n/a"):
		return Time{Marker: NA}, nil
	case strings.EqualFold(v, NoInformation):
		return Time{Marker: NoInformation}, nil
	case strings.EqualFold(v, NotSupported):
		return Time{Marker: NotSupported}, nil
	}
	t, err := p.parseTime(v)
	if err != nil {
		return Time{}, &ParseError{Path: p.path, Line: line, Column: name, Err: fmt.Errorf(
			"%w %q: expected RFC 3339 such as 2025-01-29T16:46:14Z, or N/A, "+
				"no_information or not_supported", ErrTimestamp, v)}
	}
	return Time{T: t}, nil
}

// parseTime is the package's parseTime with a one-entry cache of the date part: the
// timestamps of one row, and of rows created together, often share their day.
func (p *parser) parseTime(s string) (time.Time, error) {
	if len(s) >= 20 && s[:10] == p.lastDate && (s[19] == 'Z' && len(s) == 20 ||
		len(s) == 25 && s[19:] == "+00:00") {
		if secs, ok := clock(s[10:19]); ok {
			return time.Unix(p.lastDays*86400+secs, 0).UTC(), nil
		}
	}
	if t, ok := parseUTCFast(s); ok {
		// Only the UTC shapes are cached: their date part is the UTC day.
		if t.Unix() >= 0 {
			p.lastDate, p.lastDays = s[:10], t.Unix()/86400
		}
		return t, nil
	}
	return parseTime(s)
}

// clock parses "T15:04:05" into seconds since midnight.
func clock(s string) (int64, bool) {
	if len(s) != 9 || s[0] != 'T' || s[3] != ':' || s[6] != ':' {
		return 0, false
	}
	h, ok1 := digits(s[1:3])
	m, ok2 := digits(s[4:6])
	sec, ok3 := digits(s[7:9])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	return int64(h*3600 + m*60 + sec), true
}

// parseTime accepts both styles AWS has used: ...+00:00 and ...Z, in UTC. The two exact
// shapes AWS writes take a fast path; anything else goes through time.Parse.
func parseTime(s string) (time.Time, error) {
	if t, ok := parseUTCFast(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// setAccount checks the row's user name against its ARN, takes the account and partition
// from the ARN, and checks that every row of the report belongs to the same account.
func (rep *Report) setAccount(path string, row *Row) error {
	if err := checkUser(path, row); err != nil {
		return err
	}
	partition, account, ok := splitARN(row.ARN)
	if !ok {
		return &ParseError{Path: path, Line: row.Line, Column: colARN, Err: fmt.Errorf(
			"%w %q: expected arn:PARTITION:iam::ACCOUNT_ID:user/NAME", ErrValue, row.ARN)}
	}
	if want := row.User; !row.IsRoot() && !strings.HasSuffix(row.ARN, "/"+want) &&
		!strings.HasSuffix(row.ARN, ":"+want) {
		return &ParseError{Path: path, Line: row.Line, Column: colARN, Err: fmt.Errorf(
			"%w %q: expected the ARN of user %q, as the user column says", ErrValue, row.ARN,
			want)}
	}
	if rep.AccountID == "" {
		rep.AccountID, rep.Partition = account, partition
		return nil
	}
	if account != rep.AccountID || partition != rep.Partition {
		return &ParseError{Path: path, Line: row.Line, Column: colARN, Err: fmt.Errorf(
			"%w %q: account %s differs from %s in earlier rows; a credential report "+
				"covers one account", ErrValue, row.ARN, account, rep.AccountID)}
	}
	return nil
}

// splitARN returns the partition and the 12-digit account of an IAM ARN.
func splitARN(arn string) (partition, account string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "", "", false
	}
	partition, rest, ok = strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(partition, "aws") {
		return "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !ok {
		return "", "", false
	}
	account, resource, ok := strings.Cut(rest, ":")
	if !ok || resource == "" || !IsAccountID(account) {
		return "", "", false
	}
	return partition, account, true
}

// IsAccountID reports whether s is an AWS account ID: 12 decimal digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUTCFast parses 2006-01-02T15:04:05Z and 2006-01-02T15:04:05+00:00 without the
// general layout machinery. It reports false for any other shape or an invalid date, which
// the caller then hands to time.Parse for a precise verdict.
func parseUTCFast(s string) (time.Time, bool) {
	switch {
	case len(s) == 20 && s[19] == 'Z':
	case len(s) == 25 && s[19:] == "+00:00":
	default:
		return time.Time{}, false
	}
	if s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	days := daysFromCivil(year, month, day)
	return time.Unix(days*86400+int64(hour*3600+minute*60+sec), 0).UTC(), true
}

// daysFromCivil returns the days from 1970-01-01 to a proleptic Gregorian date; it is
// time.Date's arithmetic without its normalisation, which parseUTCFast does not need.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// digits parses a short run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in a month of a year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// checkUser accepts <root_account> and IAM user names: 1 to 64 characters of letters,
// digits and + = , . @ _ -. Anything else did not come from AWS, and would end up in the
// remediation commands.
func checkUser(path string, row *Row) error {
	if row.IsRoot() {
		return nil
	}
	ok := len(row.User) >= 1 && len(row.User) <= 64
	for i := 0; ok && i < len(row.User); i++ {
		c := row.User[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("+=,.@_-", c) >= 0
	}
	if ok {
		return nil
	}
	shown := row.User
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	return &ParseError{Path: path, Line: row.Line, Column: colUser, Err: fmt.Errorf(
		"%w %q: expected an IAM user name of 1 to 64 letters, digits or +=,.@_-", ErrValue,
		shown)}
}
