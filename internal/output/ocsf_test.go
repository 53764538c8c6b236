package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// ocsfRequired lists, per object path, the attributes OCSF 1.3.0 marks "required" for the
// Compliance Finding class (2003) and the objects keywarden fills. Source: the OCSF schema
// definitions (schema.ocsf.io/1.3.0/classes/compliance_finding and the object pages;
// github.com/ocsf/ocsf-schema events/base_event.json, events/findings/finding.json,
// events/findings/compliance_finding.json, objects/*.json), transcribed by hand. The event
// and its objects also carry recommended attributes, checked below as keywarden's own
// contract.
var ocsfRequired = map[string][]string{
	"": {"activity_id", "category_uid", "class_uid", "type_uid", "time", "severity_id",
		"metadata", "finding_info", "compliance"},
	"metadata":         {"product", "version"},
	"metadata.product": {"name", "vendor_name"},
	"finding_info":     {"uid"},
	"compliance":       {"standards"},
	"cloud":            {"provider"},
	"remediation":      {"desc"},
	"resources[]":      {"uid"},
}

// ocsfRecommended are attributes OCSF recommends that keywarden always sets.
var ocsfRecommended = map[string][]string{
	"":             {"message", "status_id", "resources", "remediation", "cloud"},
	"finding_info": {"title"},
	"compliance":   {"control", "status_id", "status"},
	"resources[]":  {"type", "name"},
}

func TestOCSF_RequiredAttributes(t *testing.T) {
	for _, ndjson := range []bool{false, true} {
		events := decodeOCSF(t, render(t, "ocsf", Options{NDJSON: ndjson}), ndjson)
		if len(events) != len(scenario(t).Results) {
			t.Fatalf("ndjson=%v: %d events, want one per result (%d)", ndjson, len(events),
				len(scenario(t).Results))
		}
		for i, ev := range events {
			checkAttributes(t, i, ev, ocsfRequired)
			checkAttributes(t, i, ev, ocsfRecommended)
			checkOCSFValues(t, i, ev)
		}
	}
}

func decodeOCSF(t *testing.T, out []byte, ndjson bool) []map[string]any {
	t.Helper()
	var events []map[string]any
	if !ndjson {
		if err := json.Unmarshal(out, &events); err != nil {
			t.Fatalf("decode ocsf array: %v", err)
		}
		return events
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("decode ocsf line %q: %v", sc.Text(), err)
		}
		events = append(events, ev)
	}
	return events
}

// checkAttributes fails for every attribute of spec missing or empty in ev.
func checkAttributes(t *testing.T, i int, ev map[string]any, spec map[string][]string) {
	t.Helper()
	for path, attrs := range spec {
		for _, obj := range objectsAt(ev, path) {
			for _, a := range attrs {
				if v, ok := obj[a]; !ok || v == nil || v == "" {
					t.Errorf("event %d: %s.%s missing", i, path, a)
				}
			}
		}
	}
}

// objectsAt returns the objects at a dotted path; "x[]" walks into an array.
func objectsAt(ev map[string]any, path string) []map[string]any {
	objs := []map[string]any{ev}
	if path == "" {
		return objs
	}
	for _, part := range strings.Split(path, ".") {
		var next []map[string]any
		name, many := strings.CutSuffix(part, "[]")
		for _, o := range objs {
			switch v := o[name].(type) {
			case map[string]any:
				next = append(next, v)
			case []any:
				for _, e := range v {
					if m, ok := e.(map[string]any); ok && many {
						next = append(next, m)
					}
				}
			default:
				next = append(next, map[string]any{})
			}
		}
		objs = next
	}
	return objs
}

// checkOCSFValues checks the fixed identifiers of a Compliance Finding.
func checkOCSFValues(t *testing.T, i int, ev map[string]any) {
	t.Helper()
	want := map[string]float64{"class_uid": 2003, "category_uid": 2, "type_uid": 200301,
		"activity_id": 1}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("event %d: %s = %v, want %v", i, k, ev[k], v)
		}
	}
	md := ev["metadata"].(map[string]any)
	if md["version"] != OCSFVersion || md["event_code"] != "aws-iam-user-setup-access-key" {
		t.Errorf("event %d: metadata = %v", i, md)
	}
}

func TestOCSF_StatusMapping(t *testing.T) {
	events := decodeOCSF(t, render(t, "ocsf", Options{}), false)
	want := map[string][2]any{ // keywarden status -> compliance status, finding status
		"fail": {"Fail", "New"}, "review": {"Warning", "New"}, "pass": {"Pass", "New"},
		"muted": {"Fail", "Suppressed"}, "error": {"Unknown", "New"},
		"not_applicable": {"Not Applicable", "New"},
	}
	for i, ev := range events {
		st := ev["unmapped"].(map[string]any)["keywarden_status"].(string)
		c := ev["compliance"].(map[string]any)
		if got := [2]any{c["status"], ev["status"]}; got != want[st] {
			t.Errorf("event %d (%s): compliance/finding status = %v, want %v", i, st, got,
				want[st])
		}
	}
}
