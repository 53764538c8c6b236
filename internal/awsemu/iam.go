package awsemu

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// iamHandlers maps IAM actions to their implementations.
var iamHandlers = map[string]queryHandler{
	"CreateUser":               (*Server).createUser,
	"DeleteUser":               (*Server).deleteUser,
	"GetUser":                  (*Server).getUser,
	"ListUsers":                (*Server).listUsers,
	"CreateLoginProfile":       (*Server).createLoginProfile,
	"GetLoginProfile":          (*Server).getLoginProfile,
	"DeleteLoginProfile":       (*Server).deleteLoginProfile,
	"CreateAccessKey":          (*Server).createAccessKey,
	"UpdateAccessKey":          (*Server).updateAccessKey,
	"DeleteAccessKey":          (*Server).deleteAccessKey,
	"ListAccessKeys":           (*Server).listAccessKeys,
	"GetAccessKeyLastUsed":     (*Server).getAccessKeyLastUsed,
	"GenerateCredentialReport": (*Server).generateCredentialReport,
	"GetCredentialReport":      (*Server).getCredentialReport,
}

type (
	userXML struct {
		Path             string
		UserName         string
		UserID           string `xml:"UserId"`
		Arn              string
		CreateDate       string
		PasswordLastUsed string `xml:",omitempty"`
	}
	userResult struct {
		User userXML
	}
	userMembers struct {
		Member []userXML `xml:"member"`
	}
	listUsersResult struct {
		Users       userMembers
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	loginProfileXML struct {
		UserName              string
		CreateDate            string
		PasswordResetRequired bool
	}
	loginProfileResult struct {
		LoginProfile loginProfileXML
	}
)

func (s *Server) createUser(c *caller, p url.Values) (any, *apiError) {
	name := p.Get("UserName")
	if !userNamePattern.MatchString(name) {
		return nil, validationError(name, "userName", `[\w+=,.@-]+`)
	}
	path := p.Get("Path")
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		return nil, validationError(path, "path", `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}

	if c.account.userFold(name) != nil {
		return nil, errf("EntityAlreadyExists", "User with name %s already exists.", name)
	}
	u := &userState{name: name, path: path, created: s.nowLocked()}
	c.account.users = append(c.account.users, u)
	return userResult{User: s.userXML(c.account, u)}, nil
}

func (s *Server) deleteUser(c *caller, p url.Values) (any, *apiError) {
	u, err := requiredUser(c, p)
	if err != nil {
		return nil, err
	}
	if len(u.keys) > 0 {
		return nil, errf("DeleteConflict", "Cannot delete entity, must delete access keys first.")
	}
	if u.password != nil {
		return nil, errf("DeleteConflict",
			"Cannot delete entity, must delete login profile first.")
	}

	// The user stays in the state, deleted, so that older reports can still show it.
	u.deleted = s.nowLocked()
	return nil, nil
}

func (s *Server) getUser(c *caller, p url.Values) (any, *apiError) {
	if p.Get("UserName") == "" && c.user == nil && c.session == nil {
		root := userXML{
			UserID:     c.account.id,
			Arn:        c.account.rootARN(),
			CreateDate: formatAPITime(c.account.created),
		}
		return userResult{User: root}, nil
	}

	u, err := userOrCaller(c, p)
	if err != nil {
		return nil, err
	}
	return userResult{User: s.userXML(c.account, u)}, nil
}

func (s *Server) listUsers(c *caller, p url.Values) (any, *apiError) {
	prefix := p.Get("PathPrefix")
	var users []*userState
	for _, u := range c.account.liveUsers() {
		if strings.HasPrefix(u.path, prefix) {
			users = append(users, u)
		}
	}

	pg, err := paginate(p, len(users))
	if err != nil {
		return nil, err
	}
	res := listUsersResult{IsTruncated: pg.next != "", Marker: pg.next}
	res.Users.Member = []userXML{}
	for _, u := range users[pg.start:pg.end] {
		res.Users.Member = append(res.Users.Member, s.userXML(c.account, u))
	}
	return res, nil
}

func (s *Server) userXML(a *accountState, u *userState) userXML {
	x := userXML{
		Path:       u.path,
		UserName:   u.name,
		UserID:     userID(a.id, u.name),
		Arn:        a.userARN(u),
		CreateDate: formatAPITime(u.created),
	}
	if u.password != nil && !u.password.lastUsed.IsZero() {
		x.PasswordLastUsed = formatAPITime(u.password.lastUsed)
	}
	return x
}

func (s *Server) createLoginProfile(c *caller, p url.Values) (any, *apiError) {
	u, err := requiredUser(c, p)
	if err != nil {
		return nil, err
	}
	if p.Get("Password") == "" {
		return nil, validationError("", "password", "non-empty")
	}
	if u.password != nil {
		return nil, errf("EntityAlreadyExists",
			"Login Profile for user %s already exists.", u.name)
	}

	u.password = &passwordState{
		created:       s.nowLocked(),
		resetRequired: p.Get("PasswordResetRequired") == "true",
	}
	return loginProfileResult{LoginProfile: loginProfileXML{
		UserName:              u.name,
		CreateDate:            formatAPITime(u.password.created),
		PasswordResetRequired: u.password.resetRequired,
	}}, nil
}

func (s *Server) getLoginProfile(c *caller, p url.Values) (any, *apiError) {
	u, err := userOrCaller(c, p)
	if err != nil {
		return nil, err
	}
	if u.password == nil {
		return nil, errf("NoSuchEntity", "Login Profile for User %s cannot be found.", u.name)
	}
	return loginProfileResult{LoginProfile: loginProfileXML{
		UserName:              u.name,
		CreateDate:            formatAPITime(u.password.created),
		PasswordResetRequired: u.password.resetRequired,
	}}, nil
}

func (s *Server) deleteLoginProfile(c *caller, p url.Values) (any, *apiError) {
	u, err := userOrCaller(c, p)
	if err != nil {
		return nil, err
	}
	if u.password == nil {
		return nil, errf("NoSuchEntity", "Login Profile for User %s cannot be found.", u.name)
	}
	u.password = nil
	return nil, nil
}

// requiredUser returns the live user named by the required UserName parameter.
func requiredUser(c *caller, p url.Values) (*userState, *apiError) {
	name := p.Get("UserName")
	if name == "" {
		return nil, validationError("null", "userName", "Member must not be null")
	}
	return lookupUser(c, name)
}

// userOrCaller returns the user named by UserName or, without it, the calling user.
func userOrCaller(c *caller, p url.Values) (*userState, *apiError) {
	if name := p.Get("UserName"); name != "" {
		return lookupUser(c, name)
	}
	if c.user == nil {
		return nil, errf("ValidationError",
			"Must specify userName when calling with non-User credentials")
	}
	return c.user, nil
}

func lookupUser(c *caller, name string) (*userState, *apiError) {
	u := c.account.user(name)
	if u == nil {
		return nil, errf("NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

// validationError is the error AWS returns for a parameter that breaks its constraint.
func validationError(value, field, constraint string) *apiError {
	return errf("ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
		value, field, constraint)
}

// page is the slice [start:end) of a listing and the marker of the next page, if any.
type page struct {
	start, end int
	next       string
}

const markerPrefix = "awsemu-page:"

// paginate applies the MaxItems (1..1000, default 100) and Marker parameters to a listing
// of n items. Markers are opaque to clients.
func paginate(p url.Values, n int) (page, *apiError) {
	maxItems := 100
	if v := p.Get("MaxItems"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > 1000 {
			return page{}, validationError(v, "maxItems",
				"Member must have value between 1 and 1000")
		}
		maxItems = m
	}

	start := 0
	if m := p.Get("Marker"); m != "" {
		off, ok := decodeMarker(m)
		if !ok {
			return page{}, errf("InvalidInput", "Invalid Marker.")
		}
		start = min(off, n)
	}
	return makePage(start, maxItems, n), nil
}

// decodeMarker returns the offset encoded in a marker made by makePage.
func decodeMarker(m string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), markerPrefix)
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(digits)
	return off, err == nil && off >= 0
}

func makePage(start, maxItems, n int) page {
	pg := page{start: start, end: min(start+maxItems, n)}
	if pg.end < n {
		pg.next = base64.RawURLEncoding.EncodeToString(
			[]byte(markerPrefix + strconv.Itoa(pg.end)))
	}
	return pg
}
