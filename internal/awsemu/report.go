package awsemu

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/url"
	"time"
)

// reportMaxAge is how long AWS reuses a credential report instead of generating anew.
const reportMaxAge = 4 * time.Hour

const reportHeader = "user,arn,user_creation_time,password_enabled,password_last_used," +
	"password_last_changed,password_next_rotation,mfa_active,access_key_1_active," +
	"access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
	"access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated," +
	"access_key_2_last_used_date,access_key_2_last_used_region," +
	"access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active," +
	"cert_2_last_rotated"

// reportState is an account's credential report: its CSV is a snapshot taken when
// generation started, and becomes available at readyAt (never, if never is set).
type reportState struct {
	generated time.Time
	readyAt   time.Time
	never     bool
	content   []byte
}

// reportPhase is where a report is in its life cycle at a given time.
type reportPhase int

const (
	reportNone reportPhase = iota
	reportInProgress
	reportComplete
	reportExpired
)

func (r *reportState) phase(now time.Time) reportPhase {
	switch {
	case r == nil:
		return reportNone
	case r.never || now.Before(r.readyAt):
		return reportInProgress
	case now.Sub(r.generated) > reportMaxAge:
		return reportExpired
	default:
		return reportComplete
	}
}

// reportLayout returns the time layout for a scenario report_time_format.
func reportLayout(format string) string {
	if format == "+00:00" {
		return "2006-01-02T15:04:05+00:00"
	}
	return "2006-01-02T15:04:05Z"
}

type (
	generateReportResult struct {
		State       string
		Description string `xml:",omitempty"`
	}
	getReportResult struct {
		Content       string
		ReportFormat  string
		GeneratedTime string
	}
)

func (s *Server) generateCredentialReport(c *caller, _ url.Values) (any, *apiError) {
	now := s.nowLocked()
	a := c.account
	switch a.report.phase(now) {
	case reportInProgress:
		return generateReportResult{State: "INPROGRESS"}, nil
	case reportComplete:
		return generateReportResult{State: "COMPLETE"}, nil
	case reportExpired:
		a.report = s.buildReport(a, now, a.genSeconds)
		return generateReportResult{
			State:       "STARTED",
			Description: "Report expired. Starting a new report generation task",
		}, nil
	default:
		a.report = s.buildReport(a, now, a.genSeconds)
		return generateReportResult{
			State:       "STARTED",
			Description: "No report exists. Starting a new report generation task",
		}, nil
	}
}

func (s *Server) getCredentialReport(c *caller, _ url.Values) (any, *apiError) {
	r := c.account.report
	switch r.phase(s.nowLocked()) {
	case reportNone:
		return nil, errf("ReportNotPresent",
			"Credential report not present. Call GenerateCredentialReport first.")
	case reportInProgress:
		return nil, errf("ReportInProgress", "Credential report generation is in progress.")
	case reportExpired:
		return nil, errf("ReportExpired",
			"Credential report has expired. Call GenerateCredentialReport again.")
	}
	return getReportResult{
		Content:       base64.StdEncoding.EncodeToString(r.content),
		ReportFormat:  "text/csv",
		GeneratedTime: formatAPITime(r.generated),
	}, nil
}

// buildReport snapshots the account as of time at into a report that takes genSeconds
// to generate (negative: forever).
func (s *Server) buildReport(a *accountState, at time.Time, genSeconds float64) *reportState {
	r := &reportState{
		generated: at,
		readyAt:   at.Add(time.Duration(genSeconds * float64(time.Second))),
		never:     genSeconds < 0,
		content:   s.reportCSV(a, at),
	}
	return r
}

// reportCSV renders the credential report of the account as of time at: users and keys
// created later are left out, and so are uses after it.
func (s *Server) reportCSV(a *accountState, at time.Time) []byte {
	var buf bytes.Buffer
	buf.WriteString(reportHeader + "\n")
	w := csv.NewWriter(&buf)

	_ = w.Write(s.rootRow(a, at))
	var users []*userState
	for _, u := range a.users {
		existed := !u.created.After(at)
		gone := !u.deleted.IsZero() && !u.deleted.After(at)
		if existed && !gone {
			users = append(users, u)
		}
	}
	sortUsers(users)
	for _, u := range users {
		_ = w.Write(s.userRow(a, u, at))
	}

	// Writes to a bytes.Buffer cannot fail. AWS ends the report without a newline.
	w.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func (s *Server) rootRow(a *accountState, at time.Time) []string {
	row := []string{"<root_account>", a.rootARN(), s.reportTime(a.created)}
	switch a.root.passwordEnabled {
	case "true":
		row = append(row, "true", "no_information", s.reportTime(a.created), "not_supported")
	case "false":
		row = append(row, "false", "N/A", "N/A", "not_supported")
	default:
		row = append(row, "not_supported", "no_information", "not_supported", "not_supported")
	}
	row = append(row, boolString(a.root.mfa))
	row = append(row, s.keyColumns(a.root.keys, at)...)
	return append(row, "false", "N/A", "false", "N/A")
}

func (s *Server) userRow(a *accountState, u *userState, at time.Time) []string {
	row := []string{u.name, a.userARN(u), s.reportTime(u.created)}
	if pw := u.password; pw != nil && !pw.created.After(at) {
		lastUsed := "no_information"
		if !pw.lastUsed.IsZero() && !pw.lastUsed.After(at) {
			lastUsed = s.reportTime(pw.lastUsed)
		}
		row = append(row, "true", lastUsed, s.reportTime(pw.created), "N/A")
	} else {
		row = append(row, "false", "N/A", "N/A", "N/A")
	}
	row = append(row, boolString(u.mfa))
	row = append(row, s.keyColumns(u.keys, at)...)
	return append(row, "false", "N/A", "false", "N/A")
}

// keyColumns renders the two access key slots, in list order, of the keys that existed
// at time at. Inactive keys still show their creation time as last_rotated, as real
// reports do.
func (s *Server) keyColumns(keys []*keyState, at time.Time) []string {
	var cols []string
	for _, k := range keys {
		if k.created.After(at) || len(cols) == 10 {
			continue
		}
		used, region, service := "N/A", "N/A", "N/A"
		if lu := k.lastUsed; lu != nil && !lu.Date.After(at) {
			used = s.reportTime(lu.Date.Truncate(time.Minute))
			region, service = lu.Region, lu.Service
		}
		active := boolString(k.status == statusActive)
		cols = append(cols, active, s.reportTime(k.created), used, region, service)
	}
	for len(cols) < 10 {
		cols = append(cols, "false", "N/A", "N/A", "N/A", "N/A")
	}
	return cols
}

func (s *Server) reportTime(t time.Time) string {
	return t.UTC().Format(s.timeLayout)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
