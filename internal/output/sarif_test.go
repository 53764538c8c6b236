package output

import (
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

func TestSARIF_ValidAgainstSchema(t *testing.T) {
	rep, err := sarif.FromBytes(render(t, "sarif", Options{}))
	if err != nil {
		t.Fatalf("parse sarif: %v", err)
	}
	// Validate uses the SARIF 2.1.0 schema embedded in go-sarif; it needs no network.
	if err := rep.Validate(); err != nil {
		t.Fatalf("sarif does not validate: %v", err)
	}

	run := rep.Runs[0]
	if n := len(run.Tool.Driver.Rules); n != 1 || *run.Tool.Driver.Rules[0].ID !=
		"aws-iam-user-setup-access-key" {
		t.Fatalf("rules = %d, want the one rule", n)
	}
	levels := map[string]int{}
	suppressed := 0
	for _, r := range run.Results {
		levels[r.Kind+"/"+r.Level]++
		if len(r.Suppressions) > 0 {
			suppressed++
		}
		if len(r.Locations) == 0 || len(r.Locations[0].LogicalLocations) == 0 {
			t.Errorf("result %q has no logical location", *r.Message.Text)
		}
	}
	want := map[string]int{"fail/error": 6, "fail/warning": 3, "open/none": 1, "pass/none": 7}
	for k, v := range want {
		if levels[k] != v {
			t.Errorf("%s results = %d, want %d (all: %v)", k, levels[k], v, levels)
		}
	}
	if suppressed != 1 {
		t.Errorf("suppressed results = %d, want 1", suppressed)
	}
}
