package suppress

import (
	"fmt"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/rule"
)

// fieldList names the keys an entry may have, for messages.
const fieldList = "account, user, access_key_id, rule, reason, expires, owner"

// dateLayout is the short form of expires.
const dateLayout = "2006-01-02"

// parser walks the YAML node tree rather than decoding into structs, so that every message
// can name the line and the key it is about.
type parser struct {
	file string
	errs []error
}

// fail records one problem.
func (p *parser) fail(line int, field, format string, args ...any) {
	p.errs = append(p.errs, &Error{
		File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...),
	})
}

// parse returns the entries of the file; problems go to p.errs.
func (p *parser) parse(data []byte) []Entry {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.errs = append(p.errs, fmt.Errorf("parse suppressions %s: %w", p.file, err))
		return nil
	}

	list := p.list(&doc)
	if list == nil {
		return nil
	}

	var entries []Entry
	for i, n := range list.Content {
		if e, ok := p.entry(i+1, n); ok {
			entries = append(entries, e)
		}
	}
	return entries
}

// list finds the suppressions sequence at the top of the document.
func (p *parser) list(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 {
		p.fail(1, "", "empty file: expected a suppressions list")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.fail(root.Line, "", "expected a mapping with the key suppressions")
		return nil
	}

	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "suppressions" {
			p.fail(k.Line, k.Value, "unknown field: expected suppressions")
			continue
		}
		list = v
	}

	switch {
	case list == nil:
		p.fail(root.Line, "suppressions", "missing: expected a list of entries")
		return nil
	case list.Kind == yaml.ScalarNode && list.Tag == "!!null":
		return &yaml.Node{Kind: yaml.SequenceNode}
	case list.Kind != yaml.SequenceNode:
		p.fail(list.Line, "suppressions", "expected a list of entries")
		return nil
	}
	return list
}

// entry reads and checks one entry; it reports false when the entry has problems.
func (p *parser) entry(index int, n *yaml.Node) (Entry, bool) {
	e := Entry{Index: index, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "", "suppression %d: expected a mapping of %s", index, fieldList)
		return e, false
	}

	before := len(p.errs)
	fields := map[string]*string{
		"account": &e.Account, "user": &e.User, "access_key_id": &e.AccessKeyID,
		"rule": &e.Rule, "reason": &e.Reason, "owner": &e.Owner, "expires": &e.ExpiresText,
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		dst, ok := fields[k.Value]
		switch {
		case !ok:
			p.fail(k.Line, k.Value, "unknown field in suppression %d: expected one of %s",
				index, fieldList)
		case seen[k.Value]:
			p.fail(k.Line, k.Value, "given twice in suppression %d", index)
		case v.Kind != yaml.ScalarNode:
			p.fail(v.Line, k.Value, "expected a single value")
		case strings.TrimSpace(v.Value) == "":
			p.fail(v.Line, k.Value, "must not be empty")
		default:
			*dst = strings.TrimSpace(v.Value)
			p.check(k.Value, v.Line, &e)
		}
		seen[k.Value] = true
	}

	p.required(&e)
	return e, len(p.errs) == before
}

// check validates the value just stored for field.
func (p *parser) check(field string, line int, e *Entry) {
	switch field {
	case "account":
		if !credreport.IsAccountID(e.Account) {
			p.fail(line, field, "%q is not an AWS account ID: expected 12 digits",
				e.Account)
		}
	case "user":
		if _, err := path.Match(e.User, ""); err != nil {
			p.fail(line, field, "bad glob %q: %v", e.User, err)
		}
	case "rule":
		if _, ok := rule.Lookup(e.Rule); !ok {
			p.fail(line, field, "unknown rule %q: see keywarden rules", e.Rule)
		}
	case "expires":
		t, err := parseExpiry(e.ExpiresText)
		if err != nil {
			p.fail(line, field, "%q: expected a date such as 2026-06-30 or an RFC 3339 time",
				e.ExpiresText)
		}
		e.Expires = t
	}
}

// required checks that e has a match field, a reason and an expiry.
func (p *parser) required(e *Entry) {
	if e.Account == "" && e.User == "" && e.AccessKeyID == "" && e.Rule == "" {
		p.fail(e.Line, "", "suppression %d would match every result: give at least one of "+
			"account, user, access_key_id or rule", e.Index)
	}
	if e.Reason == "" {
		p.fail(e.Line, "reason", "missing in suppression %d: say why the finding is accepted",
			e.Index)
	}
	if e.ExpiresText == "" {
		p.fail(e.Line, "expires", "missing in suppression %d: give a date such as 2026-06-30",
			e.Index)
	}
}

// parseExpiry returns the last instant an expiry value covers: the end of the day in UTC for
// a date, the instant itself for an RFC 3339 time.
func parseExpiry(s string) (time.Time, error) {
	if d, err := time.Parse(dateLayout, s); err == nil {
		return d.Add(24*time.Hour - time.Nanosecond), nil
	}
	return time.Parse(time.RFC3339, s)
}
