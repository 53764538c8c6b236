package output

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// TestJSON_SameAsWholeEncoding checks that streaming the results gives the bytes that one
// json.Encoder call over the whole document gives.
func TestJSON_SameAsWholeEncoding(t *testing.T) {
	slot := 1
	base := Document{SchemaVersion: 1, Tool: Tool{"keywarden", "t"},
		GeneratedAt: time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC),
		Summary:     finding.Summarize(nil), Results: []finding.Result{}}
	full := base
	full.Results = []finding.Result{{RuleID: "r", Status: "fail", KeySlot: &slot,
		Message: "a <b> & c"}, {RuleID: "r", Status: "pass"}}
	full.Accounts = []Account{{ID: "111122223333", ScanStatus: "scanned"}}
	full.APICalls = map[string]int{"ListUsers": 1}
	full.Filter = []finding.Status{"fail"}
	full.Warnings = []string{"w <1>"}
	tailOnly := base
	tailOnly.Warnings = []string{"only a warning"}

	for name, doc := range map[string]Document{"empty": base, "full": full,
		"tail only": tailOnly} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&doc); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeJSON(&got, &doc); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("got\n%q\nwant\n%q", got.String(), want.String())
			}
		})
	}
}

// TestJSON_FieldsCovered checks that the streaming writer's head and tail, with the
// results between them, cover every field of Document, so a new field cannot be dropped.
func TestJSON_FieldsCovered(t *testing.T) {
	doc := reflect.TypeOf(Document{}).NumField()
	parts := reflect.TypeOf(jsonHead{}).NumField() + 1 + reflect.TypeOf(jsonTail{}).NumField()
	if doc != parts {
		t.Errorf("Document has %d fields, the JSON writer writes %d", doc, parts)
	}
}
