package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/keywarden/keywarden/internal/finding"
)

// junitSuites is the root of a JUnit XML report.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite holds the results of one account.
type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitCase is one user or key.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitProblem is the body of a failure, error or skipped element.
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// newJUnit writes a JUnit XML report for CI systems: one testsuite per account and one
// testcase per user or key. fail is a failure; error is an error; review, muted and
// not_applicable are skipped, with the reason in the message. An account that could not be
// scanned and has no result gets one error testcase, so it is never silently green.
func newJUnit(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		root := junitReport(doc)
		if _, err := io.WriteString(w, xml.Header); err != nil {
			return err
		}
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		if err := enc.Encode(root); err != nil {
			return fmt.Errorf("write junit: %w", err)
		}
		_, err := io.WriteString(w, "\n")
		return err
	})
}

// junitReport groups the results by account, in the order accounts first appear.
func junitReport(doc *Document) junitSuites {
	stamp := doc.GeneratedAt.UTC().Format("2006-01-02T15:04:05")
	suites := map[string]*junitSuite{}
	var order []string
	suite := func(id string) *junitSuite {
		if s, ok := suites[id]; ok {
			return s
		}
		s := &junitSuite{Name: suiteName(doc, id), Time: "0", Timestamp: stamp,
			Properties: []junitProperty{{Name: "account_id", Value: id}}}
		suites[id] = s
		order = append(order, id)
		return s
	}

	for i := range doc.Results {
		r := &doc.Results[i]
		suite(r.AccountID).add(junitCaseOf(r))
	}
	for _, a := range doc.Accounts {
		if a.ScanStatus == "error" && suites[a.ID] == nil {
			suite(a.ID).add(junitAccountError(&a))
		}
	}

	root := junitSuites{Name: doc.Tool.Name, Time: "0"}
	for _, id := range order {
		s := suites[id]
		root.Suites = append(root.Suites, *s)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
	}
	return root
}

// add appends a case and counts it.
func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// suiteName names an account by ID and, when known, its name.
func suiteName(doc *Document, id string) string {
	if a := accountOf(doc, id); a != nil && a.Name != "" {
		return id + " (" + a.Name + ")"
	}
	return id
}

// junitCaseOf maps one result.
func junitCaseOf(r *finding.Result) junitCase {
	name := r.UserName
	if name == "" {
		name = "account " + r.AccountID
	}
	if r.IsKey() {
		name += "/" + keyLabel(r)
	}
	c := junitCase{Name: name, ClassName: r.AccountID, Time: "0"}
	p := &junitProblem{Message: r.Message, Type: string(r.Reason), Text: junitEvidence(r)}

	switch r.Status {
	case finding.StatusFail:
		c.Failure = p
	case finding.StatusError:
		c.Error = p
	case finding.StatusReview:
		p.Message = "review: " + r.Message
		c.Skipped = p
	case finding.StatusMuted:
		p.Message = "muted: " + r.Suppression.Reason
		c.Skipped = p
	case finding.StatusNotApplicable:
		p.Message = "not applicable: " + r.Message
		c.Skipped = p
	default:
		c.SystemOut = r.Message
	}
	return c
}

// junitAccountError is the case of an account with no result because it failed.
func junitAccountError(a *Account) junitCase {
	text := a.Error
	if a.Fix != "" {
		text += "\nfix: " + a.Fix
	}
	return junitCase{Name: "account " + a.ID, ClassName: a.ID, Time: "0",
		Error: &junitProblem{Message: a.Error, Type: "account-" + a.ScanStatus, Text: text}}
}

// junitEvidence lists the evidence of r as "key: value" lines.
func junitEvidence(r *finding.Result) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	for _, f := range evidenceFields(r) {
		line(f.name, f.value)
	}
	if r.Remediation != nil {
		line("fix", r.Remediation.Summary)
		for _, cmd := range r.Remediation.Commands {
			line("  run", cmd)
		}
	}
	for _, n := range r.Notes {
		line("note", n)
	}
	return b.String()
}
