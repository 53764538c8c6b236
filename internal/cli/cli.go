// Package cli implements the keywarden command line. Run is the whole program: main only
// passes it the process's arguments and streams and exits with the code it returns.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Version is the keywarden version, set at build time with -ldflags "-X ...cli.Version=v".
var Version = "0.1.0-dev"

// Exit codes, documented in the README and in --help.
const (
	ExitOK          = 0 // nothing failing
	ExitFindings    = 1 // at least one fail (or review with --fail-on review)
	ExitUsage       = 2 // bad flags or bad input
	ExitUnreachable = 3 // one or more accounts could not be scanned
)

// Sentinel outcomes mapped to exit codes in exitCode.
var (
	// ErrUsage marks a mistake in the command line.
	ErrUsage = errors.New("usage error")
	// ErrInput marks input that could not be read or parsed.
	ErrInput = errors.New("input error")
	// ErrUnreachable marks a scan in which some account could not be scanned.
	ErrUnreachable = errors.New("accounts could not be scanned")
	// ErrFindings marks a run that found failing results.
	ErrFindings = errors.New("failing results found")
)

// Env holds what a command needs from its process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads environment variables; tests replace it.
	Getenv func(string) string
	// StdoutTerminal and StderrTerminal say whether the streams are terminals.
	StdoutTerminal bool
	StderrTerminal bool
	// StdinTerminal says whether confirmation prompts can be asked.
	StdinTerminal bool
	Logger        *slog.Logger
}

// warnf prints a warning on stderr.
func (e *Env) warnf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "keywarden: warning: "+format+"\n", args...)
}

// usage is the top-level help.
const usage = `keywarden finds AWS IAM access keys created during a user's initial setup and
never used, proves each finding with evidence, and removes them safely.

Usage:
  keywarden scan [flags]       evaluate credential reports or a live account
  keywarden fix [flags]        deactivate or delete failing keys, with a journal
  keywarden undo [flags]       reactivate keys that a fix run deactivated
  keywarden rules              list the rules with their compliance mapping
  keywarden explain RULE_ID    print the full documentation of a rule
  keywarden version            print the version

Run 'keywarden COMMAND -h' for the flags of a command.

Exit codes:
  0  nothing failing
  1  at least one result is fail (or review, with --fail-on review)
  2  usage error or unreadable input; no report is written
  3  one or more accounts could not be scanned (wins over 1)
  130  interrupted (Ctrl-C); nothing is written

Environment:
  KEYWARDEN_LOG_LEVEL  debug, info, warn or error (default warn); --log-level wins
  AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_IAM, ...
                       read by the AWS SDK's default configuration chain
`

// Run executes keywarden with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Logger == nil {
		env.Logger = newLogger(env.Stderr, env.Getenv("KEYWARDEN_LOG_LEVEL"))
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}

	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "scan":
		err = runScan(ctx, rest, env)
	case "fix":
		err = runFix(ctx, rest, env)
	case "undo":
		err = runUndo(ctx, rest, env)
	case "rules":
		err = runRules(rest, env)
	case "explain":
		err = runExplain(rest, env)
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "keywarden %s\n", Version)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		err = fmt.Errorf("%w: unknown command %q: expected scan, fix, undo, rules, explain "+
			"or version", ErrUsage, cmd)
	}
	return exitCode(err, env)
}

// exitCode maps an outcome to the documented exit code, printing errors on the way.
func exitCode(err error, env *Env) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errHelp):
		return ExitOK
	case err == ErrUnreachable:
		// The accounts that could not be scanned are in the report and on stderr already.
		return ExitUnreachable
	case errors.Is(err, ErrUnreachable):
		fmt.Fprintf(env.Stderr, "keywarden: %s\n", err)
		return ExitUnreachable
	case errors.Is(err, ErrFindings):
		return ExitFindings
	case errors.Is(err, errFlagParse):
		return ExitUsage
	}
	msg := strings.TrimPrefix(err.Error(), ErrUsage.Error()+": ")
	msg = strings.TrimPrefix(msg, ErrInput.Error()+": ")
	fmt.Fprintf(env.Stderr, "keywarden: %s\n", msg)
	if errors.Is(err, context.Canceled) {
		return 130
	}
	return ExitUsage
}

// newLogger returns a text logger on w at the named level; unknown names mean warn.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil || level == "" {
		l = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
