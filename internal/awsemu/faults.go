package awsemu

import (
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"time"
)

// Fault injects an error, a delay or both into matching requests. Without Every and
// Fraction, every matching call is affected.
type Fault struct {
	// Action is the operation name to match, such as "GetCredentialReport", or "*" for
	// every operation (required).
	Action string `json:"action"`
	// Account, when set, matches only requests acting in that account.
	Account string `json:"account,omitempty"`
	// Error is the error code to return, such as "Throttling"; empty for latency only.
	// Organizations requests get the Organizations name of common codes
	// (Throttling becomes TooManyRequestsException).
	Error string `json:"error,omitempty"`
	// Message is the error message; default a message typical of the code.
	Message string `json:"message,omitempty"`
	// Every makes only every Nth matching call fail (N >= 1).
	Every int `json:"every,omitempty"`
	// Fraction makes a deterministic pseudo-random fraction (0..1) of calls fail.
	Fraction float64 `json:"fraction,omitempty"`
	// After leaves the first N matching calls alone.
	After int `json:"after,omitempty"`
	// LatencyMS delays the answer by that many milliseconds.
	LatencyMS int `json:"latency_ms,omitempty"`
}

func (f *Fault) validate(path string) error {
	switch {
	case f.Action == "":
		return fmt.Errorf("%s.action: required", path)
	case f.Account != "" && !accountIDPattern.MatchString(f.Account):
		return fmt.Errorf("%s.account: %q is not a 12-digit account ID", path, f.Account)
	case f.Every < 0:
		return fmt.Errorf("%s.every: %d is negative", path, f.Every)
	case f.Fraction < 0 || f.Fraction > 1:
		return fmt.Errorf("%s.fraction: %v is not between 0 and 1", path, f.Fraction)
	case f.After < 0:
		return fmt.Errorf("%s.after: %d is negative", path, f.After)
	case f.LatencyMS < 0:
		return fmt.Errorf("%s.latency_ms: %d is negative", path, f.LatencyMS)
	}
	return nil
}

// faultState is a fault with the number of calls it has matched so far.
type faultState struct {
	Fault
	matched int
}

// SetFaults replaces the injected faults and restarts their call counters and the
// fraction generator. Invalid faults are ignored and logged.
func (s *Server) SetFaults(faults []Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(faults)
}

func (s *Server) setFaultsLocked(faults []Fault) {
	s.faults = nil
	for i, f := range faults {
		if err := f.validate(fmt.Sprintf("faults[%d]", i)); err != nil {
			s.logger.Warn("fault ignored", "error", err)
			continue
		}
		s.faults = append(s.faults, &faultState{Fault: f})
	}
	s.faultRNG = mrand.New(mrand.NewPCG(uint64(s.seed), 0x66))
}

// applyFaultsLocked advances the counters of the faults matching a call and returns the
// total latency to add and the first error to return.
func (s *Server) applyFaultsLocked(action, account string) (time.Duration, *apiError) {
	var latency time.Duration
	var err *apiError
	for _, f := range s.faults {
		if (f.Action != "*" && f.Action != action) ||
			(f.Account != "" && f.Account != account) {
			continue
		}
		f.matched++
		if !s.fires(f) {
			continue
		}

		latency += time.Duration(f.LatencyMS) * time.Millisecond
		if f.Error != "" && err == nil {
			msg := f.Message
			if msg == "" {
				msg = defaultMessages[f.Error]
			}
			err = &apiError{Code: f.Error, Message: msg}
		}
	}
	return latency, err
}

// fires reports whether the fault affects its latest matching call.
func (s *Server) fires(f *faultState) bool {
	n := f.matched - f.After
	if n <= 0 {
		return false
	}
	if f.Every > 0 && n%f.Every != 0 {
		return false
	}
	if f.Fraction > 0 && s.faultRNG.Float64() >= f.Fraction {
		return false
	}
	return true
}

// countLocked counts a request of an action in an account.
func (s *Server) countLocked(action, account string) {
	s.counts[action]++
	m := s.accountCounts[account]
	if m == nil {
		m = map[string]int{}
		s.accountCounts[account] = m
	}
	m[action]++
}

// Counts returns the number of requests per action, in all accounts, faulted ones
// included.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// AccountCounts returns the number of requests per action that acted in the account.
func (s *Server) AccountCounts(account string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := maps.Clone(s.accountCounts[account])
	if m == nil {
		m = map[string]int{}
	}
	return m
}

// ResetCounts sets all request counts to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.accountCounts = map[string]map[string]int{}
}
