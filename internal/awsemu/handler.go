package awsemu

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	serviceIAM  = "iam"
	serviceSTS  = "sts"
	serviceOrgs = "organizations"

	orgsTargetPrefix = "AWSOrganizationsV20161128."
	maxBodyBytes     = 10 << 20
)

// request is an incoming call after routing.
type request struct {
	service string // serviceIAM, serviceSTS, serviceOrgs or "" when unroutable
	json    bool   // JSON protocol (X-Amz-Target) rather than Query
	action  string
	form    url.Values
	body    []byte
}

type (
	queryHandler func(s *Server, c *caller, p url.Values) (any, *apiError)
	jsonHandler  func(s *Server, c *caller, body []byte) (any, *apiError)
)

// ServeHTTP answers one AWS API request: it routes it to a service, works out the caller,
// counts it, applies faults and then runs the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID()
	req, routeErr := parseRequest(r)

	// Identify, count and pick faults in one critical section.
	s.mu.Lock()
	c, idErr := s.identify(parseScope(r))
	account := ""
	if c != nil {
		account = c.account.id
	}
	s.countLocked(req.action, account)
	latency, faultErr := s.applyFaultsLocked(req.action, account)
	s.mu.Unlock()

	log := s.logger.With("action", req.action, "account", account, "request_id", reqID)
	if latency > 0 && !sleepCtx(r, latency) {
		log.Debug("request cancelled during injected latency")
		return
	}

	apiErr := firstError(routeErr, idErr, faultErr)
	var result any
	if apiErr == nil {
		s.mu.Lock()
		result, apiErr = s.dispatch(req, c)
		s.mu.Unlock()
	}

	s.respond(w, req, reqID, result, apiErr)
	if apiErr != nil {
		log.Debug("request failed", "code", apiErr.Code, "status", apiErr.status())
		return
	}
	log.Debug("request served")
}

// parseRequest routes a request by its X-Amz-Target header or its Action and Version.
func parseRequest(r *http.Request) (request, *apiError) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		req := request{json: true, action: target}
		op, ok := strings.CutPrefix(target, orgsTargetPrefix)
		if !ok {
			return req, errf("UnknownOperationException", "Unknown operation %s", target)
		}
		req.service, req.action = serviceOrgs, op

		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		if err != nil {
			return req, errf("SerializationException", "Cannot read request body")
		}
		req.body = body
		return req, nil
	}

	r.Body = http.MaxBytesReader(nil, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return request{}, errf("MalformedQueryString", "Cannot parse request parameters")
	}
	req := request{form: r.Form, action: r.Form.Get("Action")}
	switch version := r.Form.Get("Version"); {
	case version == "2010-05-08":
		req.service = serviceIAM
	case version == "2011-06-15":
		req.service = serviceSTS
	case version == "":
		req.service = parseScope(r).service
	}
	if req.action == "" {
		return req, errf("InvalidAction", "Missing Action parameter")
	}
	if req.service != serviceIAM && req.service != serviceSTS {
		return req, errf("InvalidAction", "Could not find operation %s for version %s",
			req.action, r.Form.Get("Version"))
	}
	return req, nil
}

// dispatch runs the operation with s.mu held.
func (s *Server) dispatch(req request, c *caller) (any, *apiError) {
	switch req.service {
	case serviceIAM:
		if h, ok := iamHandlers[req.action]; ok {
			return h(s, c, req.form)
		}
	case serviceSTS:
		if h, ok := stsHandlers[req.action]; ok {
			return h(s, c, req.form)
		}
	case serviceOrgs:
		if h, ok := orgsHandlers[req.action]; ok {
			return h(s, c, req.body)
		}
		return nil, errf("UnknownOperationException", "Unknown operation %s", req.action)
	}
	return nil, errf("InvalidAction", "Could not find operation %s for version %s",
		req.action, req.form.Get("Version"))
}

// respond writes the result or error in the protocol of the request's service.
func (s *Server) respond(w http.ResponseWriter, req request, reqID string, result any,
	apiErr *apiError) {
	if req.json {
		if apiErr != nil {
			writeJSONError(w, reqID, orgsError(apiErr))
			return
		}
		if err := writeJSONResult(w, reqID, result); err != nil {
			s.logger.Error("write response", "error", err)
		}
		return
	}

	ns := iamNamespace
	if req.service == serviceSTS {
		ns = stsNamespace
	}
	if apiErr != nil {
		writeQueryError(w, ns, reqID, apiErr)
		return
	}
	if err := writeQueryResult(w, ns, req.action, reqID, result); err != nil {
		s.logger.Error("write response", "error", err)
	}
}

// orgsError translates Query-style codes (as used in fault definitions) to their
// Organizations equivalents.
func orgsError(e *apiError) *apiError {
	names := map[string]string{
		"Throttling":           "TooManyRequestsException",
		"AccessDenied":         "AccessDeniedException",
		"ServiceFailure":       "ServiceException",
		"InvalidInput":         "InvalidInputException",
		"InvalidClientTokenId": "UnrecognizedClientException",
	}
	if name, ok := names[e.Code]; ok {
		return &apiError{Code: name, Message: e.Message, Status: e.Status}
	}
	return e
}

func firstError(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// sleepCtx waits for d or until the request is cancelled; it reports whether d elapsed.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
