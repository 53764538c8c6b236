package output

import (
	"encoding/xml"
	"testing"
)

func TestJUnit_Counts(t *testing.T) {
	var got junitSuites
	if err := xml.Unmarshal(render(t, "junit", Options{}), &got); err != nil {
		t.Fatalf("parse junit: %v", err)
	}

	// The scenario: 5 fail, 3 review, 1 error, 1 muted, 7 pass, 2 not_applicable.
	if got.Tests != 19 || got.Failures != 5 || got.Errors != 1 || got.Skipped != 6 {
		t.Errorf("testsuites tests/failures/errors/skipped = %d/%d/%d/%d, want 19/5/1/6",
			got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	if len(got.Suites) != 3 {
		t.Fatalf("%d testsuites, want one per account (3)", len(got.Suites))
	}
	for _, s := range got.Suites {
		var tests, failures, errs, skipped int
		for _, c := range s.Cases {
			tests++
			switch {
			case c.Failure != nil:
				failures++
			case c.Error != nil:
				errs++
			case c.Skipped != nil:
				skipped++
			}
		}
		if s.Tests != tests || s.Failures != failures || s.Errors != errs ||
			s.Skipped != skipped {
			t.Errorf("suite %s counts %d/%d/%d/%d, cases say %d/%d/%d/%d", s.Name, s.Tests,
				s.Failures, s.Errors, s.Skipped, tests, failures, errs, skipped)
		}
	}
}

func TestJUnit_AccountWithoutResults(t *testing.T) {
	doc := scenario(t)
	var kept = doc.Results[:0]
	for _, r := range doc.Results {
		if r.AccountID != acctLegacy {
			kept = append(kept, r)
		}
	}
	doc.Results = kept

	root := junitReport(doc)
	last := root.Suites[len(root.Suites)-1]
	if last.Errors != 1 || last.Cases[0].Error == nil || root.Errors != 1 {
		t.Errorf("account error suite = %+v, want one error case", last)
	}
}
