package awsemu

import (
	mrand "math/rand/v2"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stsHandlers maps STS actions to their implementations.
var stsHandlers = map[string]queryHandler{
	"GetCallerIdentity": (*Server).getCallerIdentity,
	"AssumeRole":        (*Server).assumeRole,
}

var (
	roleARNPattern = regexp.MustCompile(
		`^arn:([a-z-]+):iam::([0-9]{12}):role/(?:.*/)?([\w+=,.@-]+)$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// session is a set of temporary credentials issued by AssumeRole. It acts as an
// administrator of its account.
type session struct {
	accessKeyID string
	account     *accountState
	role        string
	name        string
	expires     time.Time // real time
}

func (ss *session) arn() string {
	return "arn:" + ss.account.partition + ":sts::" + ss.account.id +
		":assumed-role/" + ss.role + "/" + ss.name
}

func (ss *session) assumedRoleID() string {
	return roleID(ss.account.id, ss.role) + ":" + ss.name
}

type (
	callerIdentityResult struct {
		UserID  string `xml:"UserId"`
		Account string
		Arn     string
	}
	credentialsXML struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	assumedRoleUserXML struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string
	}
	assumeRoleResult struct {
		Credentials      credentialsXML
		AssumedRoleUser  assumedRoleUserXML
		PackedPolicySize int
	}
)

// sessionToken returns an opaque session token of the usual length.
func sessionToken(rng *mrand.Rand) string {
	return "FwoGZXIvYXdzE" + strings.ReplaceAll(randomSecret(rng, 300), "/", "_")
}

func (s *Server) getCallerIdentity(c *caller, _ url.Values) (any, *apiError) {
	return callerIdentityResult{UserID: c.userID(), Account: c.account.id, Arn: c.arn()}, nil
}

// assumeRole issues credentials for a role listed in a scenario account. Trust policies
// are not modelled: any caller may assume any listed role.
func (s *Server) assumeRole(c *caller, p url.Values) (any, *apiError) {
	roleARN := p.Get("RoleArn")
	name := p.Get("RoleSessionName")
	if !sessionNamePattern.MatchString(name) {
		return nil, validationError(name, "roleSessionName",
			`Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	duration := 3600
	if v := p.Get("DurationSeconds"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 900 || d > 43200 {
			return nil, validationError(v, "durationSeconds",
				"Member must have value between 900 and 43200")
		}
		duration = d
	}

	denied := errf("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole "+
		"on resource: %s", c.arn(), roleARN)
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, validationError(roleARN, "roleArn", "Member must be a role ARN")
	}
	target := s.byID[m[2]]
	if target == nil || target.partition != m[1] || !target.roles[m[3]] {
		return nil, denied
	}

	ss := &session{
		accessKeyID: s.newKeyIDLocked("ASIA"),
		account:     target,
		role:        m[3],
		name:        name,
		expires:     time.Now().Add(time.Duration(duration) * time.Second).UTC(),
	}
	s.sessions[ss.accessKeyID] = ss
	return assumeRoleResult{
		Credentials: credentialsXML{
			AccessKeyID:     ss.accessKeyID,
			SecretAccessKey: randomSecret(s.idRNG, 40),
			SessionToken:    sessionToken(s.idRNG),
			Expiration:      ss.expires.Format(apiTime),
		},
		AssumedRoleUser: assumedRoleUserXML{AssumedRoleID: ss.assumedRoleID(), Arn: ss.arn()},
	}, nil
}
