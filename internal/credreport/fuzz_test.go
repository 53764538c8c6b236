package credreport

import (
	"errors"
	"strings"
	"testing"
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
