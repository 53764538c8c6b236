package awsemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is the emulator. It is an http.Handler; [Server.Start] also serves it on a
// listener of its own. All methods are safe for concurrent use.
type Server struct {
	logger     *slog.Logger
	timeLayout string
	start      time.Time // emulated time when the server was created
	created    time.Time // real time when the server was created (monotonic)

	// mu guards everything below.
	mu            sync.Mutex
	offset        time.Duration
	accounts      []*accountState
	byID          map[string]*accountState
	keys          map[string]*keyState
	sessions      map[string]*session
	org           *Organization
	seed          int64
	faults        []*faultState
	faultRNG      *mrand.Rand
	idRNG         *mrand.Rand
	counts        map[string]int
	accountCounts map[string]map[string]int
	httpServer    *http.Server
	url           string
}

// New returns a server for the scenario, which it validates first (filling in defaults).
// A nil logger discards logs. New returns the validation error of a bad scenario.
func New(sc *Scenario, logger *slog.Logger) (*Server, error) {
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("validate scenario: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	s := &Server{
		logger:        logger,
		timeLayout:    reportLayout(sc.ReportTimeFormat),
		start:         sc.Now.UTC(),
		created:       time.Now(),
		byID:          map[string]*accountState{},
		keys:          map[string]*keyState{},
		sessions:      map[string]*session{},
		org:           sc.Organization,
		seed:          sc.Seed,
		idRNG:         mrand.New(mrand.NewPCG(uint64(sc.Seed), 0x6177)),
		counts:        map[string]int{},
		accountCounts: map[string]map[string]int{},
	}
	s.setFaultsLocked(sc.Faults)

	for i := range sc.Accounts {
		a := newAccountState(&sc.Accounts[i], sc.ReportGenerationSeconds)
		s.accounts = append(s.accounts, a)
		s.byID[a.id] = a
		s.indexKeys(a)
		if sc.Accounts[i].Report != nil {
			a.report = s.buildReport(a, sc.Accounts[i].Report.Generated.UTC(), 0)
		}
	}
	return s, nil
}

// indexKeys adds the keys of live users and the root user to the key index.
func (s *Server) indexKeys(a *accountState) {
	for _, k := range a.root.keys {
		s.keys[k.id] = k
	}
	for _, u := range a.users {
		if !u.deleted.IsZero() {
			continue
		}
		for _, k := range u.keys {
			s.keys[k.id] = k
		}
	}
}

// Start listens on addr ("127.0.0.1:0" picks a free port), serves in the background and
// returns the base URL, such as "http://127.0.0.1:4566". It returns the listen error.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}

	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	s.mu.Lock()
	s.httpServer, s.url = srv, url
	s.mu.Unlock()

	go func() {
		err := srv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serve", "error", err)
		}
	}()
	return url, nil
}

// Close stops a server started with [Server.Start], waiting briefly for requests in
// flight. It returns the shutdown error, or nil if the server was never started.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.httpServer
	s.httpServer = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}

	// Clients may hold connections they dialed but never used; Shutdown counts those as
	// busy for 5 s, so after a short grace the rest are closed outright.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		if cerr := srv.Close(); cerr != nil {
			return fmt.Errorf("shut down server: %w", cerr)
		}
	}
	return nil
}

// URL returns the base URL given by [Server.Start], or "" before it.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Now returns the emulated time: the scenario's now plus the real time elapsed since New,
// plus any [Server.Advance].
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time {
	return s.start.Add(time.Since(s.created) + s.offset)
}

// Advance moves the emulated clock forward by d, for example to let a credential report
// expire without waiting four hours.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}
