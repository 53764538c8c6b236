package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun_ExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(bad, []byte(`{"accounts": [{"id": "1"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	goodJSON := []byte(`{"accounts": [{"id": "111122223333"}]}`)
	if err := os.WriteFile(good, goodJSON, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		args    []string
		want    int
		wantLog string
	}{
		{"no scenario", nil, 2, "--scenario is required"},
		{"bad scenario", []string{"--scenario", bad}, 2, "accounts[0].id"},
		{"serves until cancelled", []string{"--scenario", good, "--addr", "127.0.0.1:0"}, 0,
			`msg="awsemu listening" url=http://127.0.0.1:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			var stderr bytes.Buffer
			if got := run(ctx, tt.args, &stderr); got != tt.want {
				t.Errorf("exit = %d, want %d; stderr:\n%s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantLog) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantLog)
			}
		})
	}
}
