package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/output"
)

// benchEnvInt reads a positive integer from the environment, or def.
func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkOrgScan scans an emulated organization with the real binary, 50 ms of latency
// injected on every call, at several --concurrency values. It reports the wall time, the
// sequential time (the sum of the accounts' own durations), the lower bound (the median
// account's duration times ceil(accounts / concurrency)) and the binary's peak RSS.
//
// KEYWARDEN_BENCH_ACCOUNTS (default 500) and KEYWARDEN_BENCH_USERS (default 200) size it;
// KEYWARDEN_BENCH_CONCURRENCY picks one concurrency instead of 8, 16, 32 and 64;
// KEYWARDEN_BENCH_STATUS is the --status kept (default fail; "error" keeps no result).
func BenchmarkOrgScan(b *testing.B) {
	accounts := benchEnvInt("KEYWARDEN_BENCH_ACCOUNTS", 500)
	users := benchEnvInt("KEYWARDEN_BENCH_USERS", 200)
	bin := buildBinary(b)
	sc := orgScenario(accounts, users)
	sc.Faults = []awsemu.Fault{{Action: "*", LatencyMS: 50}}
	srv := emutest.Start(b, sc)
	liveEnv(b, srv)

	levels := []int{8, 16, 32, 64}
	if n := benchEnvInt("KEYWARDEN_BENCH_CONCURRENCY", 0); n > 0 {
		levels = []int{n}
	}
	for _, conc := range levels {
		b.Run(fmt.Sprintf("accounts=%d/concurrency=%d", accounts, conc), func(b *testing.B) {
			for b.Loop() {
				m := runOrgScan(b, bin, conc)
				b.ReportMetric(m.wall.Seconds(), "wall-s")
				b.ReportMetric(m.sequential.Seconds(), "sequential-s")
				b.ReportMetric(m.bound.Seconds(), "lower-bound-s")
				b.ReportMetric(m.wall.Seconds()/m.bound.Seconds(), "x-bound")
				b.ReportMetric(float64(m.maxRSSKiB)/1024, "peak-rss-MiB")
			}
		})
	}
}

// orgMeasure is one measured organization scan.
type orgMeasure struct {
	wall, sequential, bound time.Duration
	maxRSSKiB               int64
}

// runOrgScan runs the binary once and derives the measures from its JSON document.
func runOrgScan(b *testing.B, bin string, conc int) orgMeasure {
	status := os.Getenv("KEYWARDEN_BENCH_STATUS")
	if status == "" {
		status = "fail"
	}
	cmd := exec.Command(bin, "scan", "--org", "--quiet", "--format", "json", "--status",
		status, "--concurrency", strconv.Itoa(conc))
	var stdout strings.Builder
	cmd.Stdout = &stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	hwm := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(start)
	out := []byte(stdout.String())
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != ExitFindings &&
		cmd.ProcessState.ExitCode() != ExitOK {
		b.Fatalf("scan: %v", err)
	}

	var doc output.Document
	if err := json.Unmarshal(out, &doc); err != nil {
		b.Fatal(err)
	}
	var durs []time.Duration
	var seq time.Duration
	for _, a := range doc.Accounts {
		if a.ScanStatus != "scanned" {
			b.Fatalf("account %s: %s %s", a.ID, a.ScanStatus, a.Error)
		}
		d := time.Duration(a.DurationMS) * time.Millisecond
		durs = append(durs, d)
		seq += d
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	rounds := (len(durs) + conc - 1) / conc
	m := orgMeasure{wall: wall, sequential: seq,
		bound: durs[len(durs)/2] * time.Duration(rounds)}
	m.maxRSSKiB = hwm()
	return m
}

// watchHWM polls the process's peak resident size (VmHWM) until it exits and returns a
// reader of the last value seen. The rusage of a child started by os/exec is no use here:
// it counts the parent's pages shared before exec.
func watchHWM(pid int) func() int64 {
	var last atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kib, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(
						strings.TrimSpace(v), "kB")), 10, 64)
					if kib > last.Load() {
						last.Store(kib)
					}
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() int64 {
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		return last.Load()
	}
}
