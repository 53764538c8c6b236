package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/keywarden/keywarden/internal/finding"
)

var (
	// errHelp is returned when -h was asked for; it exits 0.
	errHelp = errors.New("help requested")
	// errFlagParse is returned after the flag package printed its own message.
	errFlagParse = errors.New("flag parse error")
)

// listFlag is a repeatable flag that also splits comma-separated values when split is set.
type listFlag struct {
	values *[]string
	split  bool
}

// String returns the values joined by commas.
func (l listFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

// Set adds s, or each comma-separated value of s when split is set; an empty list is an
// error, so a blank --accounts never means "all accounts".
func (l listFlag) Set(s string) error {
	if !l.split {
		*l.values = append(*l.values, s)
		return nil
	}
	n := len(*l.values)
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l.values = append(*l.values, v)
		}
	}
	if len(*l.values) == n {
		return errors.New("expected at least one value")
	}
	return nil
}

// parseFlags parses args and turns flag errors into the sentinel outcomes.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return errFlagParse
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// parseStatuses reads a --status list.
func parseStatuses(list []string) ([]finding.Status, error) {
	var out []finding.Status
	for _, s := range list {
		st, ok := finding.ParseStatus(s)
		if !ok {
			return nil, fmt.Errorf("%w: --status %q: expected fail, review, error, muted, "+
				"pass or not_applicable", ErrUsage, s)
		}
		out = append(out, st)
	}
	return out, nil
}
