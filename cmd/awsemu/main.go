// Command awsemu serves a keywarden AWS emulator scenario on a local address, so that
// tools such as the AWS CLI or keywarden itself can be pointed at it with an endpoint URL.
//
// Usage:
//
//	awsemu --scenario FILE [--addr HOST:PORT] [--log-level debug]
//
// It logs one line with its URL when ready and stops on SIGINT or SIGTERM. A bad scenario
// or flag exits with status 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/keywarden/keywarden/internal/awsemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// options are the command-line settings.
type options struct {
	scenario string
	addr     string
	logLevel slog.Level
}

// errUsage marks errors that exit with status 2.
var errUsage = errors.New("usage error")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var opts options
	fs := flag.NewFlagSet("awsemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.scenario, "scenario", "", "scenario JSON `file` (required)")
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:4566", "listen `address`")
	level := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return opts, fmt.Errorf("%w: %w", errUsage, err)
	}

	if opts.scenario == "" {
		return opts, fmt.Errorf("%w: --scenario is required", errUsage)
	}
	if err := opts.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return opts, fmt.Errorf("%w: --log-level: %w", errUsage, err)
	}
	return opts, nil
}

// run serves until ctx is cancelled and returns the exit status.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "awsemu:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: opts.logLevel}))

	sc, err := awsemu.LoadScenario(opts.scenario)
	if err != nil {
		fmt.Fprintln(stderr, "awsemu:", err)
		return 2
	}
	srv, err := awsemu.New(sc, logger)
	if err != nil {
		fmt.Fprintln(stderr, "awsemu:", err)
		return 2
	}

	url, err := srv.Start(opts.addr)
	if err != nil {
		logger.Error("start", "error", err)
		return 1
	}
	logger.Info("awsemu listening", "url", url)

	<-ctx.Done()
	if err := srv.Close(); err != nil {
		logger.Error("stop", "error", err)
		return 1
	}
	logger.Info("awsemu stopped")
	return 0
}
