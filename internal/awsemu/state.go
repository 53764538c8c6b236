package awsemu

import (
	"sort"
	"strings"
	"time"
)

const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

// accountState is the live state of one account. All state is guarded by Server.mu.
type accountState struct {
	id         string
	partition  string
	created    time.Time
	roles      map[string]bool
	users      []*userState // live and deleted users
	root       rootState
	genSeconds float64
	report     *reportState
}

// rootState holds the root user's credentials.
type rootState struct {
	passwordEnabled string
	mfa             bool
	keys            []*keyState
}

// userState is an IAM user; deleted users are kept for credential reports.
type userState struct {
	name     string
	path     string
	created  time.Time
	deleted  time.Time
	mfa      bool
	password *passwordState
	keys     []*keyState
}

// passwordState is a login profile.
type passwordState struct {
	created       time.Time
	lastUsed      time.Time
	resetRequired bool
}

// keyState is a long-term access key; user is nil for a root key.
type keyState struct {
	id       string
	secret   string
	status   string
	created  time.Time
	lastUsed *LastUse
	user     *userState
	account  *accountState
}

// newAccountState builds the live state of a validated scenario account.
func newAccountState(a *Account, defaultGen float64) *accountState {
	st := &accountState{
		id:         a.ID,
		partition:  a.Partition,
		created:    a.Created,
		roles:      map[string]bool{},
		genSeconds: defaultGen,
		root: rootState{
			passwordEnabled: a.Root.PasswordEnabled,
			mfa:             a.Root.MFA,
		},
	}
	if a.ReportGenerationSeconds != nil {
		st.genSeconds = *a.ReportGenerationSeconds
	}
	for _, r := range a.Roles {
		st.roles[r] = true
	}

	st.root.keys = st.newKeys(nil, a.Root.AccessKeys)
	for _, u := range a.Users {
		us := &userState{
			name:    u.Name,
			path:    u.Path,
			created: u.Created,
			deleted: u.Deleted,
			mfa:     u.MFA,
		}
		if u.Password != nil {
			us.password = &passwordState{
				created:  u.Password.Created,
				lastUsed: u.Password.LastUsed,
			}
		}
		us.keys = st.newKeys(us, u.AccessKeys)
		st.users = append(st.users, us)
	}
	return st
}

func (a *accountState) newKeys(owner *userState, ks []AccessKey) []*keyState {
	var out []*keyState
	for _, k := range ks {
		ksd := &keyState{
			id:      k.ID,
			secret:  k.Secret,
			status:  k.Status,
			created: k.Created,
			user:    owner,
			account: a,
		}
		if k.LastUsed != nil {
			lu := *k.LastUsed
			ksd.lastUsed = &lu
		}
		out = append(out, ksd)
	}
	return out
}

// user returns the live user with that exact name, or nil.
func (a *accountState) user(name string) *userState {
	for _, u := range a.users {
		if u.deleted.IsZero() && u.name == name {
			return u
		}
	}
	return nil
}

// userFold returns the live user whose name matches case-insensitively, or nil; IAM user
// names are unique regardless of case.
func (a *accountState) userFold(name string) *userState {
	for _, u := range a.users {
		if u.deleted.IsZero() && strings.EqualFold(u.name, name) {
			return u
		}
	}
	return nil
}

// liveUsers returns the live users sorted case-insensitively by name.
func (a *accountState) liveUsers() []*userState {
	var out []*userState
	for _, u := range a.users {
		if u.deleted.IsZero() {
			out = append(out, u)
		}
	}
	sortUsers(out)
	return out
}

func sortUsers(us []*userState) {
	sort.SliceStable(us, func(i, j int) bool {
		li, lj := strings.ToLower(us[i].name), strings.ToLower(us[j].name)
		if li != lj {
			return li < lj
		}
		return us[i].name < us[j].name
	})
}

// userARN returns the ARN of a user in this account.
func (a *accountState) userARN(u *userState) string {
	return "arn:" + a.partition + ":iam::" + a.id + ":user" + u.path + u.name
}

// rootARN returns the ARN of the account's root user.
func (a *accountState) rootARN() string {
	return "arn:" + a.partition + ":iam::" + a.id + ":root"
}

// ownerName returns the user name of the key owner, or "" for a root key.
func (k *keyState) ownerName() string {
	if k.user == nil {
		return ""
	}
	return k.user.name
}

// snapshot returns an exported copy of the key.
func (k *keyState) snapshot() AccessKey {
	ak := AccessKey{
		ID:       k.id,
		UserName: k.ownerName(),
		Secret:   k.secret,
		Status:   k.status,
		Created:  k.created,
	}
	if k.lastUsed != nil {
		lu := *k.lastUsed
		ak.LastUsed = &lu
	}
	return ak
}
