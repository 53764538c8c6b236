package credreport

import (
	"path/filepath"
	"testing"
)

// corpusDir holds real credential reports shared by the team; it is not in the repository.
const corpusDir = "../../../shared/corpus/credential-reports"

// TestRead_Corpus parses every real report in the shared corpus.
func TestRead_Corpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.csv"))
	if len(files) == 0 {
		t.Skipf("no shared corpus at %s: the real-report checks need it", corpusDir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rep, err := ReadFile(f)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if len(rep.Rows) == 0 || rep.AccountID == "" {
				t.Errorf("rows %d account %q", len(rep.Rows), rep.AccountID)
			}
		})
	}
}
