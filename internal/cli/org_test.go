package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
	"github.com/keywarden/keywarden/internal/finding"
)

// orgAccountID returns the ID of account i of a generated organization; 0 is management.
func orgAccountID(i int) string { return fmt.Sprintf("1000000000%02d", i) }

// orgScenario builds an organization of n accounts, each with users users: every fourth
// user has an unused setup key (a fail), the others a key created a week later.
func orgScenario(n, users int) *awsemu.Scenario {
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	sc := &awsemu.Scenario{Now: now, Organization: &awsemu.Organization{
		ManagementAccount: orgAccountID(0)}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%012d", 100000000000+i)
		acct := awsemu.Account{ID: id, Created: now.AddDate(-2, 0, 0),
			Roles:  []string{"OrganizationAccountAccessRole"},
			Report: &awsemu.ReportSpec{Generated: now.Add(-time.Hour)}}
		for u := 0; u < users; u++ {
			created := now.AddDate(0, -3, 0).Add(time.Duration(u) * time.Minute)
			keyAt := created.Add(7 * 24 * time.Hour)
			if u%4 == 0 {
				keyAt = created.Add(time.Second)
			}
			acct.Users = append(acct.Users, awsemu.User{
				Name: fmt.Sprintf("user-%03d", u), Created: created,
				Password: &awsemu.Password{Created: created},
				AccessKeys: []awsemu.AccessKey{{ID: fmt.Sprintf("AKIA%08d%08d", i, u),
					Created: keyAt, Status: "Active"}},
			})
		}
		sc.Accounts = append(sc.Accounts, acct)
		sc.Organization.Accounts = append(sc.Organization.Accounts,
			awsemu.OrgAccount{ID: id, Name: fmt.Sprintf("acct-%02d", i), State: "ACTIVE"})
	}
	return sc
}

// mixedOrg is 30 accounts: four not active, one without the role, one whose report never
// completes and one throttled hard.
func mixedOrg() *awsemu.Scenario {
	sc := orgScenario(30, 4)
	for i, st := range map[int]string{5: "SUSPENDED", 6: "CLOSED", 7: "PENDING_CLOSURE",
		8: "PENDING_ACTIVATION"} {
		sc.Organization.Accounts[i].State = st
	}
	sc.Accounts[10].Roles = nil
	never := -1.0
	sc.Accounts[11].ReportGenerationSeconds = &never
	sc.Accounts[11].Report = nil
	sc.Faults = []awsemu.Fault{{Action: "*", Account: orgAccountID(12), Error: "Throttling",
		Fraction: 0.6}}
	return sc
}

var orgFlags = []string{"--report-timeout", "8s", "--max-attempts", "40"}

func TestOrgScan_Mixed(t *testing.T) {
	srv := emutest.Start(t, mixedOrg())
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t, append([]string{"--org"}, orgFlags...)...)
	if code != ExitUnreachable {
		t.Fatalf("exit %d, want 3 (errors win over fails); stderr:\n%s", code, stderr)
	}
	if len(doc.Accounts) != 30 {
		t.Fatalf("accounts %d, want 30", len(doc.Accounts))
	}
	status := map[string]int{}
	for _, a := range doc.Accounts {
		status[a.ScanStatus]++
		switch a.ID {
		case orgAccountID(5):
			if a.ScanStatus != "skipped" || a.State != "SUSPENDED" {
				t.Errorf("suspended account: %+v", a)
			}
		case orgAccountID(10):
			if a.ScanStatus != "error" || !strings.Contains(a.Error, "AccessDenied") ||
				!strings.Contains(a.Fix, "does not exist or does not trust the caller") {
				t.Errorf("account without the role: %+v", a)
			}
		case orgAccountID(11):
			if a.ScanStatus != "error" || !strings.Contains(a.Error, "did not complete") {
				t.Errorf("account whose report never completes: %+v", a)
			}
		case orgAccountID(12):
			if a.ScanStatus != "scanned" || a.Summary["fail"] != 1 {
				t.Errorf("throttled account: %+v", a)
			}
		}
		if a.Name == "" {
			t.Errorf("account %s has no name", a.ID)
		}
	}
	if status["scanned"] != 24 || status["skipped"] != 4 || status["error"] != 2 {
		t.Errorf("status counts %v, want 24 scanned, 4 skipped, 2 error", status)
	}
	if doc.Summary[finding.StatusFail] != 24 {
		t.Errorf("fails %d, want one per scanned account", doc.Summary[finding.StatusFail])
	}
	if srv.AccountCounts(orgAccountID(5))["ListUsers"] != 0 {
		t.Errorf("a suspended account was scanned")
	}
}

func TestOrgScan_Selection(t *testing.T) {
	srv := emutest.Start(t, mixedOrg())
	liveEnv(t, srv)

	tests := []struct {
		name     string
		args     []string
		code     int
		accounts []string
	}{
		{"org minus the broken accounts",
			[]string{"--org", "--exclude-accounts", orgAccountID(10) + "," + orgAccountID(11)},
			ExitFindings, nil},
		{"org restricted", []string{"--org", "--accounts", orgAccountID(1) + "," +
			orgAccountID(2)}, ExitFindings, []string{orgAccountID(1), orgAccountID(2)}},
		{"accounts without org", []string{"--accounts", orgAccountID(0) + "," +
			orgAccountID(3)}, ExitFindings, []string{orgAccountID(0), orgAccountID(3)}},
		{"account without the role", []string{"--accounts", orgAccountID(10)},
			ExitUnreachable, []string{orgAccountID(10)}},
		{"unknown account with org", []string{"--org", "--accounts", "999999999999"},
			ExitUsage, nil},
		{"bad account ID", []string{"--accounts", "12345"}, ExitUsage, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, doc, stderr := liveScan(t, append(tc.args, orgFlags...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.accounts == nil || doc == nil {
				return
			}
			var got []string
			for _, a := range doc.Accounts {
				got = append(got, a.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.accounts, ",") {
				t.Errorf("accounts %v, want %v", got, tc.accounts)
			}
		})
	}
}

func TestOrgScan_AccountsFile(t *testing.T) {
	srv := emutest.Start(t, mixedOrg())
	liveEnv(t, srv)
	path := filepath.Join(t.TempDir(), "accounts.txt")
	os.WriteFile(path, []byte("# prod\n"+orgAccountID(1)+"\n\n"+orgAccountID(2)+
		" # payments\n"), 0o644)

	code, doc, stderr := liveScan(t, "--accounts-file", path)
	if code != ExitFindings || len(doc.Accounts) != 2 {
		t.Fatalf("exit %d accounts %v; stderr:\n%s", code, doc.Accounts, stderr)
	}

	os.WriteFile(path, []byte("123\n"), 0o644)
	code, _, stderr = liveScan(t, "--accounts-file", path)
	if code != ExitUsage || !strings.Contains(stderr, path+":1: account ID \"123\"") {
		t.Errorf("exit %d stderr %s", code, stderr)
	}
}

// TestOrgScan_ProgressOnTerminal runs the real binary with stderr on a pseudo-terminal,
// then on a pipe: the bar shows only on the terminal.
func TestOrgScan_ProgressOnTerminal(t *testing.T) {
	bin := buildBinary(t)
	sc := orgScenario(6, 2)
	sc.Faults = []awsemu.Fault{{Action: "ListUsers", LatencyMS: 300}}
	srv := emutest.Start(t, sc)
	liveEnv(t, srv)

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "scan", "--org", "--concurrency", "2", "--format", "json")
	cmd.Stderr = tty
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	screen := readAll(ptmx)
	if err := cmd.Wait(); err != nil && !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("keywarden: %v\n%s", err, screen)
	}
	if !strings.Contains(screen, "scanning") || !strings.Contains(screen, "6/6 accounts") {
		t.Errorf("no progress bar on the terminal:\n%q", screen)
	}
	if strings.Contains(stdout.String(), "scanning") {
		t.Errorf("progress leaked into stdout")
	}

	piped := exec.Command(bin, "scan", "--org", "--format", "json")
	var errb strings.Builder
	piped.Stderr = &errb
	piped.Run()
	if strings.Contains(errb.String(), "scanning") {
		t.Errorf("progress written to a pipe:\n%s", errb.String())
	}
}

// TestLiveScan_ProgressOnTerminal checks that a single-account scan shows the users it
// checks through the API on a terminal.
func TestLiveScan_ProgressOnTerminal(t *testing.T) {
	bin := buildBinary(t)
	sc := strings.Replace(verdictScenario, `"accounts"`, `"faults": [
	  {"action": "ListAccessKeys", "latency_ms": 400}],
	 "accounts"`, 1)
	srv := emutest.StartJSON(t, sc)
	liveEnv(t, srv)

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "scan", "--format", "json")
	cmd.Stderr = tty
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	screen := readAll(ptmx)
	cmd.Wait()
	if !strings.Contains(screen, "users checked") {
		t.Errorf("no user progress on the terminal:\n%q", screen)
	}
}

// readAll reads a pty master until the child closes it.
func readAll(f *os.File) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// buildBinary compiles keywarden once per test run.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keywarden")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/keywarden")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build keywarden: %v\n%s", err, out)
	}
	return bin
}

// TestOrgScan_AccountTimeout checks that an account slower than --account-timeout is an
// error that names the limit, while the other accounts finish.
func TestOrgScan_AccountTimeout(t *testing.T) {
	sc := orgScenario(3, 2)
	sc.Faults = []awsemu.Fault{{Action: "ListUsers", Account: orgAccountID(2),
		LatencyMS: 3000}}
	srv := emutest.Start(t, sc)
	liveEnv(t, srv)

	code, doc, stderr := liveScan(t, "--org", "--account-timeout", "1s")
	if code != ExitUnreachable {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	for _, a := range doc.Accounts {
		slow := a.ID == orgAccountID(2)
		if (a.ScanStatus == "error") != slow {
			t.Errorf("account %s: %s %s", a.ID, a.ScanStatus, a.Error)
		}
		if slow && (!strings.Contains(a.Error, "scan timed out after 1s (--account-timeout)") ||
			!strings.Contains(a.Fix, "raise --account-timeout")) {
			t.Errorf("slow account: error %q fix %q", a.Error, a.Fix)
		}
	}
}
