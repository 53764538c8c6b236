// Package emutest starts an awsemu emulator for a test and stops it when the test ends.
package emutest

import (
	"strings"
	"testing"

	"github.com/keywarden/keywarden/internal/awsemu"
)

// Start serves the scenario on a random loopback port until the test ends. It fails the
// test if the scenario is invalid or the server cannot listen. The server's URL is
// [awsemu.Server.URL].
func Start(t testing.TB, sc *awsemu.Scenario) *awsemu.Server {
	t.Helper()
	srv, err := awsemu.New(sc, nil)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}

	if _, err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stop emulator: %v", err)
		}
	})
	return srv
}

// StartJSON parses a JSON scenario and starts it like [Start].
func StartJSON(t testing.TB, scenarioJSON string) *awsemu.Server {
	t.Helper()
	sc, err := awsemu.ParseScenario(strings.NewReader(scenarioJSON))
	if err != nil {
		t.Fatalf("parse emulator scenario: %v", err)
	}
	return Start(t, sc)
}
