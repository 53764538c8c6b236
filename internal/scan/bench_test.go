package scan

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keywarden/keywarden/internal/credreport"
	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// benchUsers is the per-account IAM user quota.
const benchUsers = 5000

// generateReport returns a credential report of n users in AWS's format, with a mix of
// setup keys, later keys, used and unused keys, and users without passwords. About half of
// the users fail, which makes every code path work.
func generateReport(account string, n int) []byte { return generateReportEvery(account, n, 1) }

// generateReportEvery is generateReport where only every flagEvery-th user has a setup
// key; the others have a key created three days after them.
func generateReportEvery(account string, n, flagEvery int) []byte {
	var b bytes.Buffer
	b.WriteString("user,arn,user_creation_time,password_enabled,password_last_used," +
		"password_last_changed,password_next_rotation,mfa_active,access_key_1_active," +
		"access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
		"access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated," +
		"access_key_2_last_used_date,access_key_2_last_used_region," +
		"access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active," +
		"cert_2_last_rotated\n")
	fmt.Fprintf(&b, "<root_account>,arn:aws:iam::%s:root,2019-03-01T08:00:00Z,not_supported,"+
		"no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,"+
		"N/A,N/A,false,N/A,false,N/A", account)
	base := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		created := base.Add(time.Duration(i) * 37 * time.Minute)
		c := created.Format(time.RFC3339)
		setup := created.Add(time.Second).Format(time.RFC3339)
		later := created.Add(72 * time.Hour).Format(time.RFC3339)
		used := created.Add(96 * time.Hour).Format("2006-01-02T15:04:00Z")
		pw := "true"
		if i%5 == 0 {
			pw = "false"
		}
		if flagEvery > 1 && i%flagEvery != 1 {
			setup = later
		}
		k1 := fmt.Sprintf("true,%s,N/A,N/A,N/A", setup)
		if i%3 == 0 {
			k1 = fmt.Sprintf("true,%s,%s,us-east-1,s3", setup, used)
		}
		k2 := "false,N/A,N/A,N/A,N/A"
		if i%4 == 0 {
			k2 = fmt.Sprintf("false,%s,%s,eu-west-1,ec2", later, used)
		}
		fmt.Fprintf(&b, "\nuser-%05d,arn:aws:iam::%s:user/team/user-%05d,%s,%s,"+
			"no_information,%s,N/A,false,%s,%s,false,N/A,false,N/A", i, account, i, c, pw, c,
			k1, k2)
	}
	return b.Bytes()
}

// BenchmarkReport compares parsing and evaluating a 5,000-user report with a bare
// encoding/csv read loop over the same bytes. bench/report.sh prints the ratios.
//
//   - bare-csv: encoding/csv reading every record, nothing else.
//   - verdicts: parse every field and judge every key (status, reason, evidence).
//   - all-text: verdicts plus the message and remediation of every result, as json output of
//     every status needs.
func BenchmarkReport(b *testing.B) {
	data := generateReport("111122223333", benchUsers)

	b.Run("bare-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.ReuseRecord = true
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		reportPerRow(b)
	})
	b.Run("verdicts", func(b *testing.B) { benchEvaluate(b, data, true) })
	b.Run("all-text", func(b *testing.B) { benchEvaluate(b, data, false) })
}

// benchEvaluate streams data through the parser and the rule.
func benchEvaluate(b *testing.B, data []byte, deferText bool) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var fails int
	for b.Loop() {
		fails = 0
		var u rule.User
		var rs []finding.Result
		_, err := credreport.Stream("bench.csv", bytes.NewReader(data),
			func(rep *credreport.Report, row *credreport.Row) error {
				rule.FromRow(&u, rep, row)
				rs = rule.EvaluateAppend(rs[:0], &u, rule.Options{DeferText: deferText})
				for i := range rs {
					if rs[i].Status == finding.StatusFail {
						fails++
					}
				}
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
	}
	if fails == 0 {
		b.Fatal("generated report has no failing key")
	}
	reportPerRow(b)
}

// reportPerRow adds ns/row and allocs/row for one 5,000-user report per op.
func reportPerRow(b *testing.B) {
	rows := float64(benchUsers + 1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}

// BenchmarkDirectory scans 200 reports of 5,000 users (1M rows) from disk, where one user
// in 20 has a setup key, keeping fail and review results as --status fail,review does. It
// reports the peak heap in use: kept results plus one report per worker. The keep=none
// case keeps nothing, which shows the part that does not grow with the input.
func BenchmarkDirectory(b *testing.B) {
	dir := b.TempDir()
	var paths []string
	for i := 0; i < 200; i++ {
		p := filepath.Join(dir, fmt.Sprintf("report-%03d.csv", i))
		if err := os.WriteFile(p, generateReportEvery(fmt.Sprintf("%012d", 100000000000+i),
			benchUsers, 20), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	failReview := func(r *finding.Result) bool {
		return r.Status == finding.StatusFail || r.Status == finding.StatusReview
	}
	none := func(*finding.Result) bool { return false }

	cases := []struct {
		name    string
		workers int
		keep    func(*finding.Result) bool
	}{
		{"keep=fail,review/workers=1", 1, failReview},
		{fmt.Sprintf("keep=fail,review/workers=%d", runtime.GOMAXPROCS(0)), 0, failReview},
		{fmt.Sprintf("keep=none/workers=%d", runtime.GOMAXPROCS(0)), 0, none},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			peak := watchHeap(b)
			var kept int
			for b.Loop() {
				out, err := Files(context.Background(), paths, Options{Keep: tc.keep,
					Workers: tc.workers})
				if err != nil {
					b.Fatal(err)
				}
				if out.Summary[finding.StatusFail] == 0 {
					b.Fatal("no failing results")
				}
				kept = len(out.Results)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/
				float64(200*(benchUsers+1)), "ns/row")
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(kept), "kept-results")
		})
	}
}

// watchHeap samples the heap in use until the benchmark ends and returns a reader of the peak.
func watchHeap(b *testing.B) func() uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	b.Cleanup(func() { close(done); wg.Wait() })
	return func() uint64 { return peak.Load() }
}
