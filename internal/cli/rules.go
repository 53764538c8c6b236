package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/keywarden/keywarden/internal/rule"
)

// runRules lists every rule with its text and compliance mapping.
func runRules(args []string, env *Env) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	if err := parseFlags(fs, args, env.Stderr); err != nil {
		return err
	}
	for _, d := range rule.Definitions() {
		fmt.Fprintf(env.Stdout, "%s\n  %s\n\n", d.ID, d.Title)
		writeWrapped(env.Stdout, "Description", d.Description)
		writeWrapped(env.Stdout, "Rationale", d.Rationale)
		writeWrapped(env.Stdout, "Remediation", d.Remediation)
		writeCompliance(env.Stdout, d)
		fmt.Fprintln(env.Stdout, "  References:")
		for _, r := range d.References {
			fmt.Fprintf(env.Stdout, "    %s\n", r)
		}
	}
	return nil
}

// runExplain prints the whole documentation of one rule.
func runExplain(args []string, env *Env) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, "usage: keywarden explain RULE_ID") }
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		return errFlagParse
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: explain takes one rule ID, such as %s", ErrUsage, rule.ID)
	}
	d, ok := rule.Lookup(fs.Arg(0))
	if !ok {
		return fmt.Errorf("%w: unknown rule %q: see 'keywarden rules'", ErrUsage, fs.Arg(0))
	}

	w := env.Stdout
	fmt.Fprintf(w, "%s\n  %s\n\n", d.ID, d.Title)
	writeWrapped(w, "Description", d.Description)
	writeWrapped(w, "Rationale", d.Rationale)
	fmt.Fprintln(w, "  How keywarden decides:")
	for _, dec := range d.Decisions {
		fmt.Fprintf(w, "    %-15s %s\n", dec.Status, dec.Reason)
		for _, line := range wrap(dec.Text, 70) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
	fmt.Fprintln(w)
	writeWrapped(w, "What it can and cannot see", d.Visibility)
	writeWrapped(w, "Remediation", d.Remediation)
	writeCompliance(w, d)
	fmt.Fprintln(w, "  References:")
	for _, r := range d.References {
		fmt.Fprintf(w, "    %s\n", r)
	}
	return nil
}

func writeCompliance(w io.Writer, d rule.Definition) {
	fmt.Fprintln(w, "  Compliance:")
	for _, c := range d.Compliance {
		version := c.Version
		if version != "" && version[0] >= '0' && version[0] <= '9' {
			version = "v" + version
		}
		fmt.Fprintf(w, "    %s %s: %s\n", c.Framework, version, c.Control)
	}
	fmt.Fprintln(w)
}

// writeWrapped prints a titled paragraph wrapped to 76 columns.
func writeWrapped(w io.Writer, title, text string) {
	fmt.Fprintf(w, "  %s:\n", title)
	for _, line := range wrap(text, 72) {
		fmt.Fprintf(w, "    %s\n", line)
	}
	fmt.Fprintln(w)
}

// wrap splits text into lines of at most width columns at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
