package awsemu

import (
	"fmt"
	"net/url"
	"slices"
)

type (
	accessKeyXML struct {
		UserName        string `xml:",omitempty"`
		AccessKeyID     string `xml:"AccessKeyId"`
		Status          string
		SecretAccessKey string `xml:",omitempty"`
		CreateDate      string
	}
	createAccessKeyResult struct {
		AccessKey accessKeyXML
	}
	accessKeyMembers struct {
		Member []accessKeyXML `xml:"member"`
	}
	listAccessKeysResult struct {
		AccessKeyMetadata accessKeyMembers
		IsTruncated       bool
		Marker            string `xml:",omitempty"`
	}
	accessKeyLastUsedXML struct {
		LastUsedDate string `xml:",omitempty"`
		ServiceName  string
		Region       string
	}
	getAccessKeyLastUsedResult struct {
		UserName          string `xml:",omitempty"`
		AccessKeyLastUsed accessKeyLastUsedXML
	}
)

// keyOwner resolves the optional UserName parameter of the access key operations. A nil
// user with a nil error means the root user, whose keys a root caller manages.
func keyOwner(c *caller, p url.Values) (*userState, *apiError) {
	if name := p.Get("UserName"); name != "" {
		return lookupUser(c, name)
	}
	if c.session != nil {
		return nil, errf("ValidationError",
			"Must specify userName when calling with non-User credentials")
	}
	return c.user, nil
}

// keySlots returns the key list of a user, or of the root user when u is nil.
func keySlots(c *caller, u *userState) *[]*keyState {
	if u == nil {
		return &c.account.root.keys
	}
	return &u.keys
}

func (s *Server) createAccessKey(c *caller, p url.Values) (any, *apiError) {
	u, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	slots := keySlots(c, u)
	if len(*slots) >= 2 {
		return nil, errf("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	}

	k := &keyState{
		id:      s.newKeyIDLocked("AKIA"),
		secret:  randomSecret(s.idRNG, 40),
		status:  statusActive,
		created: s.nowLocked(),
		user:    u,
		account: c.account,
	}
	*slots = append(*slots, k)
	s.keys[k.id] = k

	x := keyXML(k)
	x.SecretAccessKey = k.secret
	return createAccessKeyResult{AccessKey: x}, nil
}

// newKeyIDLocked returns an unused key ID with the prefix and 16 more characters.
func (s *Server) newKeyIDLocked(prefix string) string {
	for {
		id := randomID(s.idRNG, prefix, 16)
		_, isKey := s.keys[id]
		_, isSession := s.sessions[id]
		if !isKey && !isSession {
			return id
		}
	}
}

func (s *Server) updateAccessKey(c *caller, p url.Values) (any, *apiError) {
	status := p.Get("Status")
	if status != statusActive && status != statusInactive {
		return nil, validationError(status, "status",
			"Member must satisfy enum value set: [Active, Inactive]")
	}
	k, err := ownedKey(c, p)
	if err != nil {
		return nil, err
	}
	k.status = status
	return nil, nil
}

func (s *Server) deleteAccessKey(c *caller, p url.Values) (any, *apiError) {
	k, err := ownedKey(c, p)
	if err != nil {
		return nil, err
	}
	slots := keySlots(c, k.user)
	*slots = slices.DeleteFunc(*slots, func(x *keyState) bool { return x == k })
	delete(s.keys, k.id)
	return nil, nil
}

// ownedKey returns the key named by AccessKeyId if it belongs to the user resolved from
// UserName (or the caller).
func ownedKey(c *caller, p url.Values) (*keyState, *apiError) {
	u, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	id := p.Get("AccessKeyId")
	if id == "" {
		return nil, validationError("null", "accessKeyId", "Member must not be null")
	}
	for _, k := range *keySlots(c, u) {
		if k.id == id {
			return k, nil
		}
	}
	return nil, errf("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
}

func (s *Server) listAccessKeys(c *caller, p url.Values) (any, *apiError) {
	u, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	keys := *keySlots(c, u)

	pg, err := paginate(p, len(keys))
	if err != nil {
		return nil, err
	}
	res := listAccessKeysResult{IsTruncated: pg.next != "", Marker: pg.next}
	res.AccessKeyMetadata.Member = []accessKeyXML{}
	for _, k := range keys[pg.start:pg.end] {
		res.AccessKeyMetadata.Member = append(res.AccessKeyMetadata.Member, keyXML(k))
	}
	return res, nil
}

func keyXML(k *keyState) accessKeyXML {
	return accessKeyXML{
		UserName:    k.ownerName(),
		AccessKeyID: k.id,
		Status:      k.status,
		CreateDate:  formatAPITime(k.created),
	}
}

// getAccessKeyLastUsed answers for keys of the caller's account. An unknown key gets
// NoSuchEntity (404), a documented choice: AWS itself answers AccessDenied for keys of
// other accounts.
func (s *Server) getAccessKeyLastUsed(c *caller, p url.Values) (any, *apiError) {
	id := p.Get("AccessKeyId")
	k, ok := s.keys[id]
	if !ok || k.account != c.account {
		return nil, errf("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}

	res := getAccessKeyLastUsedResult{UserName: k.ownerName()}
	res.AccessKeyLastUsed = accessKeyLastUsedXML{ServiceName: "N/A", Region: "N/A"}
	if k.user == nil {
		res.UserName = "root"
	}
	if lu := k.lastUsed; lu != nil {
		res.AccessKeyLastUsed = accessKeyLastUsedXML{
			LastUsedDate: formatAPITime(lu.Date),
			ServiceName:  lu.Service,
			Region:       lu.Region,
		}
	}
	return res, nil
}

// AccessKeys returns a snapshot of a live user's access keys in slot order, or nil if the
// account or user does not exist.
func (s *Server) AccessKeys(account, user string) []AccessKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byID[account]
	if a == nil {
		return nil
	}
	u := a.user(user)
	if u == nil {
		return nil
	}

	out := []AccessKey{}
	for _, k := range u.keys {
		out = append(out, k.snapshot())
	}
	return out
}

// UseKey records a use of the key now, as if a request signed with it had reached the
// service in the region. It returns an error if the account has no such key.
func (s *Server) UseKey(account, keyID, service, region string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	if !ok || k.account.id != account {
		return fmt.Errorf("use key %s: no such key in account %s", keyID, account)
	}
	k.lastUsed = &LastUse{Date: s.nowLocked(), Service: orNA(service), Region: orNA(region)}
	return nil
}

// Users returns the names of the account's live users, sorted case-insensitively, or nil
// if the account does not exist.
func (s *Server) Users(account string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byID[account]
	if a == nil {
		return nil
	}
	out := []string{}
	for _, u := range a.liveUsers() {
		out = append(out, u.name)
	}
	return out
}
