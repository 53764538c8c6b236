package output

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/keywarden/keywarden/internal/finding"
)

// chromiumPath finds a Chromium or Chrome binary, or returns "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserLog collects what the page must not do: console output, exceptions, browser log
// errors (such as CSP violations) and requests for anything but the page itself.
type browserLog struct {
	page string
	mu   sync.Mutex // guards problems
	// problems lists each unexpected event as text.
	problems []string
}

func (b *browserLog) listen(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		p = fmt.Sprintf("console.%s called", e.Type)
	case *runtime.EventExceptionThrown:
		p = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			p += " " + e.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
			p = fmt.Sprintf("browser log %s: %s", e.Entry.Level, e.Entry.Text)
		}
	case *network.EventRequestWillBeSent:
		u := e.Request.URL
		if u != b.page && !strings.HasPrefix(u, "data:") {
			p = "request to " + u
		}
	}
	if p != "" {
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

func (b *browserLog) check(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("page: %s", p)
	}
}

// TestHTML_Browser loads the report in headless Chromium and uses its filter and sorting.
func TestHTML_Browser(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary in PATH (chromium, chromium-browser, google-chrome); " +
			"install it with: apt-get install -y chromium")
	}

	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, render(t, "html", Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page
	ctx := startBrowser(t, bin)

	blog := &browserLog{page: url}
	if err := chromedp.Listen(ctx, blog.listen); err != nil {
		t.Fatalf("listen: %v", err)
	}
	run, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := chromedp.Do(run, chromedp.Navigate(url), chromedp.WaitReady("#results"))
	if err != nil {
		t.Fatalf("load page: %v", err)
	}

	checkCharts(t, run)
	checkFilter(t, run)
	checkSort(t, run)
	blog.check(t)
}

// startBrowser launches Chromium with a throwaway profile and no background traffic.
func startBrowser(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	return ctx
}

func checkCharts(t *testing.T, ctx context.Context) {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.querySelectorAll("#chart-accounts rect, #chart-delta rect").length`))
	if err != nil || n == 0 {
		t.Errorf("charts: %d bars, err %v; want some", n, err)
	}
}

// visibleRows counts the table rows the filter leaves visible.
const visibleRows = `Array.from(document.querySelectorAll("#results tbody tr"))` +
	`.filter(function (r) { return !r.hidden; }).length`

func checkFilter(t *testing.T, ctx context.Context) {
	t.Helper()
	doc := scenario(t)
	want := 0
	for i := range doc.Results {
		r := &doc.Results[i]
		if r.Status == finding.StatusFail && strings.Contains(htmlSearchText(doc, r), "ci-") {
			want++
		}
	}
	if want == 0 || want == len(doc.Results) {
		t.Fatalf("filter case selects %d of %d rows; pick a narrower one", want,
			len(doc.Results))
	}

	err := chromedp.Do(ctx,
		chromedp.SendKeys("#filter", "ci-"),
		chromedp.Evaluate[chromedp.Void](`(function () {
			var s = document.getElementById("status-filter");
			s.value = "fail";
			s.dispatchEvent(new Event("change"));
		}())`),
	)
	if err != nil {
		t.Fatalf("filter: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[int](visibleRows))
	if err != nil || got != want {
		t.Errorf("filter ci- and fail: %d rows visible (err %v), want %d", got, err, want)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text("#shown"))
	if err != nil || shown != strconv.Itoa(want) {
		t.Errorf("shown counter = %q (err %v), want %d", shown, err, want)
	}

	err = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(function () {
		var f = document.getElementById("filter"), s = document.getElementById("status-filter");
		f.value = ""; s.value = "";
		f.dispatchEvent(new Event("input"));
	}())`))
	if err != nil {
		t.Fatalf("clear filter: %v", err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[int](visibleRows)); got != len(doc.Results) {
		t.Errorf("cleared filter: %d rows visible, want %d", got, len(doc.Results))
	}
}

// deltaColumn reads the sort keys of the Delta column, top to bottom.
const deltaColumn = `Array.from(document.querySelectorAll("#results tbody td:nth-child(7)"))` +
	`.map(function (td) { return td.dataset.sort; })`

func checkSort(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, dir := range []string{"ascending", "descending"} {
		if err := chromedp.Do(ctx, chromedp.Click("#results th:nth-child(7)")); err != nil {
			t.Fatalf("click Delta header: %v", err)
		}
		keys, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](deltaColumn))
		if err != nil {
			t.Fatalf("read Delta column: %v", err)
		}
		if !sortedDeltas(keys, dir == "descending") {
			t.Errorf("after click, Delta column %v is not %s", keys, dir)
		}
		aria, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`document.querySelector("#results th:nth-child(7)").getAttribute("aria-sort")`))
		if err != nil || aria != dir {
			t.Errorf("aria-sort = %q (err %v), want %s", aria, err, dir)
		}
	}
}

// sortedDeltas reports whether numeric keys are ordered, with empty keys last.
func sortedDeltas(keys []string, desc bool) bool {
	var nums []int64
	empty := false
	for _, k := range keys {
		if k == "" {
			empty = true
			continue
		}
		if empty {
			return false
		}
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return false
		}
		nums = append(nums, n)
	}
	for i := 1; i < len(nums); i++ {
		if (!desc && nums[i] < nums[i-1]) || (desc && nums[i] > nums[i-1]) {
			return false
		}
	}
	return len(nums) > 1
}
