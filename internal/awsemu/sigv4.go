package awsemu

import (
	"net/http"
	"strings"
)

// credentialScope is what the emulator reads from a SigV4 signature. The signature itself
// is not verified.
type credentialScope struct {
	accessKeyID string
	region      string
	service     string
}

// parseScope extracts the credential scope from the Authorization header, or from the
// X-Amz-Credential query parameter of a presigned request. Missing parts are empty.
func parseScope(r *http.Request) credentialScope {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		cred = credentialField(auth)
	}

	// Credential=AKID/20250610/us-east-1/iam/aws4_request
	parts := strings.Split(cred, "/")
	var sc credentialScope
	sc.accessKeyID = parts[0]
	if len(parts) >= 5 {
		sc.region, sc.service = parts[2], parts[3]
	}
	return sc
}

// credentialField returns the value of Credential= in a SigV4 Authorization header.
func credentialField(auth string) string {
	_, params, ok := strings.Cut(auth, " ")
	if !ok {
		return ""
	}
	for _, p := range strings.Split(params, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "Credential="); ok {
			return v
		}
	}
	return ""
}

// caller is the principal a request acts as. Exactly one of user, session or neither
// (the root user) is set.
type caller struct {
	account *accountState
	user    *userState
	session *session
}

// arn returns the caller's ARN.
func (c *caller) arn() string {
	switch {
	case c.session != nil:
		return c.session.arn()
	case c.user != nil:
		return c.account.userARN(c.user)
	default:
		return c.account.rootARN()
	}
}

// userID returns the caller's unique ID as GetCallerIdentity shows it.
func (c *caller) userID() string {
	switch {
	case c.session != nil:
		return c.session.assumedRoleID()
	case c.user != nil:
		return userID(c.account.id, c.user.name)
	default:
		return c.account.id
	}
}

// identify returns the caller of a request and records the use of a long-term key. It
// returns an error for a known key that is inactive, as AWS rejects those.
func (s *Server) identify(scope credentialScope) (*caller, *apiError) {
	if sess, ok := s.sessions[scope.accessKeyID]; ok {
		return &caller{account: sess.account, session: sess}, nil
	}

	k, ok := s.keys[scope.accessKeyID]
	if !ok {
		return &caller{account: s.accounts[0]}, nil
	}
	if k.status != statusActive {
		return nil, errf("InvalidClientTokenId",
			"The security token included in the request is invalid.")
	}

	k.lastUsed = &LastUse{
		Date:    s.nowLocked(),
		Service: orNA(scope.service),
		Region:  orNA(scope.region),
	}
	return &caller{account: k.account, user: k.user}, nil
}
