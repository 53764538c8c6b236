package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// asffRequired are the attributes BatchImportFindings requires, plus those keywarden
// always sets.
var asffRequired = []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId",
	"AwsAccountId", "Types", "CreatedAt", "UpdatedAt", "Severity", "Title", "Description",
	"Resources", "Compliance", "Remediation", "RecordState", "Workflow"}

// asffLines decodes asff output as one JSON array, or as one batch array per line.
func asffLines(t *testing.T, data []byte) [][]map[string]any {
	t.Helper()
	var one []map[string]any
	if err := json.Unmarshal(data, &one); err == nil {
		return [][]map[string]any{one}
	}
	var batches [][]map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var batch []map[string]any
		if err := json.Unmarshal(sc.Bytes(), &batch); err != nil {
			t.Fatalf("batch line: %v", err)
		}
		batches = append(batches, batch)
	}
	return batches
}

func TestASFF_RequiredFields(t *testing.T) {
	var findings []map[string]any
	for _, b := range asffLines(t, render(t, "asff", Options{})) {
		findings = append(findings, b...)
	}

	ids := map[string]bool{}
	for i, f := range findings {
		for _, a := range asffRequired {
			if v, ok := f[a]; !ok || v == nil || v == "" {
				t.Errorf("finding %d: %s missing", i, a)
			}
		}
		id := f["Id"].(string)
		if ids[id] {
			t.Errorf("finding %d: Id %s is not unique", i, id)
		}
		ids[id] = true
		if n := len([]rune(f["Description"].(string))); n > asffDescriptionMax {
			t.Errorf("finding %d: Description has %d characters", i, n)
		}
		for _, k := range []string{"CreatedAt", "UpdatedAt"} {
			if _, err := time.Parse(asffTime, f[k].(string)); err != nil {
				t.Errorf("finding %d: %s: %v", i, k, err)
			}
		}
		arn := fmt.Sprintf("arn:aws:securityhub:us-east-1:%s:product/%[1]s/default",
			f["AwsAccountId"])
		if f["ProductArn"] != arn {
			t.Errorf("finding %d: ProductArn = %v, want %s", i, f["ProductArn"], arn)
		}
	}
}

func TestASFF_Mapping(t *testing.T) {
	doc := scenario(t)
	tests := []struct {
		status                     finding.Status
		compliance, workflow, typ0 string
	}{
		{finding.StatusFail, "FAILED", "NEW", "AwsIamAccessKey"},
		{finding.StatusReview, "WARNING", "NEW", "AwsIamAccessKey"},
		{finding.StatusMuted, "FAILED", "SUPPRESSED", "AwsIamAccessKey"},
		{finding.StatusPass, "PASSED", "RESOLVED", "AwsIamAccessKey"},
		{finding.StatusError, "NOT_AVAILABLE", "NEW", "AwsIamUser"},
		{finding.StatusNotApplicable, "NOT_AVAILABLE", "RESOLVED", "AwsAccount"},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			r := firstWithStatus(t, doc, tt.status)
			f := asffOf(doc, r, "us-east-1")
			if f.Compliance.Status != tt.compliance || f.Workflow.Status != tt.workflow {
				t.Errorf("compliance %s, workflow %s; want %s, %s", f.Compliance.Status,
					f.Workflow.Status, tt.compliance, tt.workflow)
			}
			switch {
			case r.UserName == "" || isRoot(r):
				tt.typ0 = "AwsAccount"
			case !r.IsKey():
				tt.typ0 = "AwsIamUser"
			}
			if f.Resources[0].Type != tt.typ0 {
				t.Errorf("first resource %s, want %s", f.Resources[0].Type, tt.typ0)
			}
		})
	}
}

func firstWithStatus(t *testing.T, doc *Document, st finding.Status) *finding.Result {
	t.Helper()
	for i := range doc.Results {
		if doc.Results[i].Status == st {
			return &doc.Results[i]
		}
	}
	t.Fatalf("scenario has no %s result", st)
	return nil
}

func TestASFF_Batches(t *testing.T) {
	for _, tt := range []struct {
		results int
		ndjson  bool
	}{{0, false}, {3, false}, {100, false}, {101, false}, {250, false}, {3, true}} {
		t.Run(fmt.Sprintf("%d ndjson=%v", tt.results, tt.ndjson), func(t *testing.T) {
			doc := manyResults(t, tt.results)
			var buf bytes.Buffer
			if err := newASFF(Options{NDJSON: tt.ndjson}).Format(&buf, doc); err != nil {
				t.Fatal(err)
			}

			accounts := map[string]bool{}
			for _, r := range doc.Results {
				accounts[r.AccountID] = true
			}
			oneArray := !tt.ndjson && len(accounts) <= 1 && tt.results <= ASFFBatchSize
			lines := strings.Count(strings.TrimSpace(buf.String()), "\n") + 1
			if oneArray && !json.Valid(buf.Bytes()) {
				t.Fatalf("one account, %d findings: not one JSON document", tt.results)
			}

			total := 0
			for i, batch := range asffLines(t, buf.Bytes()) {
				total += len(batch)
				if len(batch) > ASFFBatchSize {
					t.Errorf("batch %d has %d findings", i, len(batch))
				}
				seen := map[any]bool{}
				for _, f := range batch {
					seen[f["AwsAccountId"]] = true
				}
				if len(seen) > 1 {
					t.Errorf("batch %d mixes accounts %v", i, seen)
				}
			}
			if total != tt.results {
				t.Errorf("findings %d, want %d (%d lines)", total, tt.results, lines)
			}
		})
	}
}

// manyResults repeats the scenario's results with distinct users up to n.
func manyResults(t *testing.T, n int) *Document {
	doc := scenario(t)
	base := doc.Results
	doc.Results = nil
	for i := 0; i < n; i++ {
		r := base[i%len(base)]
		r.UserName = fmt.Sprintf("%s-%d", r.UserName, i)
		doc.Results = append(doc.Results, r)
	}
	return doc
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 1100)
	got := truncate(long, asffDescriptionMax)
	if n := len([]rune(got)); n != asffDescriptionMax || !strings.HasSuffix(got, "...") {
		t.Errorf("truncate: %d runes, suffix %q", n, got[len(got)-3:])
	}
	if truncate("short", 10) != "short" {
		t.Error("truncate changed a short string")
	}
}
