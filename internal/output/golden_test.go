package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenVariants are extra renderings, beyond each format with zero Options.
var goldenVariants = []struct {
	format, golden string
	opts           Options
}{
	{"ocsf", "ocsf-ndjson", Options{NDJSON: true}},
	{"asff", "asff-eu-west-1", Options{Region: "eu-west-1"}},
}

// TestFormats_Golden renders the shared scenario in every format of the table, so a new
// format without a golden file fails here.
func TestFormats_Golden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f.Name, func(t *testing.T) {
			checkGolden(t, f.Name, render(t, f.Name, Options{}))
		})
	}
	for _, v := range goldenVariants {
		t.Run(v.golden, func(t *testing.T) {
			checkGolden(t, v.golden, render(t, v.format, v.opts))
		})
	}
}

// TestFormats_NoStaleGolden fails on golden files that no format or variant writes.
func TestFormats_NoStaleGolden(t *testing.T) {
	known := map[string]bool{}
	for _, f := range Formats() {
		known[f.Name] = true
	}
	for _, v := range goldenVariants {
		known[v.golden] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		if name := strings.TrimSuffix(filepath.Base(p), ".golden"); !known[name] {
			t.Errorf("%s belongs to no format: remove it", p)
		}
	}
}

// render formats the shared scenario.
func render(t *testing.T, format string, opts Options) []byte {
	t.Helper()
	f, err := Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Format(&buf, scenario(t)); err != nil {
		t.Fatalf("format %s: %v", format, err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/NAME.golden, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; run go test -update and review the diff:\n%s", name,
			path, firstDiff(got, want))
	}
}

// firstDiff shows the first line that differs.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			gl, wl = clip(gl), clip(wl)
			return "line " + itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}

func itoa(n int) string { return intPtr(&n) }

// clip shortens a long line for a failure message.
func clip(s string) string {
	if len(s) > 160 {
		return s[:160] + "..."
	}
	return s
}
