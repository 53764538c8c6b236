package credreport

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRead checks that Read never panics and that every error it returns is a *ParseError
// wrapping one of the documented kinds.
func FuzzRead(f *testing.F) {
	f.Add(header + "\n" + rootRow + "\n" + aliceRow)
	f.Add("\ufeff" + header + "\r\n" + aliceRow + "\r\n\r\n")
	f.Add(`{"Content": "dXNlcgo=", "GeneratedTime": "2025-06-10T11:00:00Z"}`)
	f.Add(gz(header + "\n" + aliceRow))
	f.Add("user,arn\n\"unterminated")
	f.Add("")

	f.Fuzz(func(t *testing.T, input string) {
		rep, err := Read("fuzz.csv", strings.NewReader(input))
		if err == nil {
			if rep == nil {
				t.Fatal("nil report without error")
			}
			return
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %T %q is not a *ParseError", err, err)
		}
		for _, kind := range Kinds {
			if errors.Is(err, kind) {
				return
			}
		}
		t.Fatalf("error %q wraps no documented kind", err)
	})
}

// FuzzParseTime checks that the fast timestamp path agrees with time.Parse.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-01-29T16:46:14Z", "2016-11-15T21:04:17+00:00",
		"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1969-12-31T23:59:59Z",
		"0001-01-01T00:00:00Z", "2025-13-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The parser's day cache must agree too, after any earlier timestamp.
		var p parser
		for _, prev := range []string{"2025-01-29T00:00:00Z", s[:min(len(s), 10)] +
			"T00:00:00Z"} {
			p.parseTime(prev)
			got, err := p.parseTime(s)
			want, werr := time.Parse(time.RFC3339, s)
			if (err == nil) != (werr == nil) || err == nil && !got.Equal(want) {
				t.Fatalf("after %q, parser gives %v, %v; time.Parse %v, %v", prev, got, err,
					want, werr)
			}
		}

		fast, ok := parseUTCFast(s)
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("fast path accepted %q, time.Parse: %v", s, err)
		}
		if !fast.Equal(want) {
			t.Fatalf("%q: fast %v, time.Parse %v", s, fast, want)
		}
	})
}
