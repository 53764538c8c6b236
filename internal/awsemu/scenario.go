package awsemu

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Scenario describes the emulated AWS world: accounts, their users and keys, an optional
// organization and the faults to inject. Zero values mean the defaults documented on each
// field; [Scenario.Validate] fills them in.
type Scenario struct {
	// Now is the emulated time at which the server starts. Default: the real time.
	Now time.Time
	// ReportTimeFormat is the credential report timestamp style: "Z" (default) or "+00:00".
	ReportTimeFormat string
	// ReportGenerationSeconds is how long a credential report takes to generate (default 0).
	// A negative value means generation never completes.
	ReportGenerationSeconds float64
	// Seed seeds the generator of fault fractions and new IDs. Default 1.
	Seed int64
	// Accounts are the AWS accounts. The first one is the default caller's account.
	Accounts []Account
	// Organization is the AWS Organization, or nil when Organizations is not in use.
	Organization *Organization
	// Faults are injected into matching requests.
	Faults []Fault
}

// Account is one AWS account.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Partition is "aws" (default), "aws-cn", "aws-us-gov" and so on.
	Partition string
	// Created is when the account (and its root user) was created. Default: Scenario.Now.
	Created time.Time
	// Roles are the names of roles that AssumeRole may assume in this account.
	Roles []string
	// Users are the IAM users, live ones and deleted ones.
	Users []User
	// Root describes the root user's credentials; nil gives the older AWS defaults.
	Root *Root
	// ReportGenerationSeconds, when set, overrides Scenario.ReportGenerationSeconds.
	ReportGenerationSeconds *float64
	// Report, when set, is a credential report that already exists.
	Report *ReportSpec
}

// ReportSpec describes a credential report generated before the emulator starts.
type ReportSpec struct {
	// Generated is the emulated time of generation; the report shows the state as of then.
	Generated time.Time
}

// Root describes the credentials of an account's root user.
type Root struct {
	// PasswordEnabled is "not_supported" (default), "true" or "false".
	PasswordEnabled string
	// MFA reports whether the root user has an MFA device.
	MFA bool
	// AccessKeys are the root user's access keys (at most 2).
	AccessKeys []AccessKey
}

// User is an IAM user.
type User struct {
	// Name is the user name (required).
	Name string
	// Path is the IAM path, default "/".
	Path string
	// Created is the creation time. Default: the account's creation time.
	Created time.Time
	// Deleted, when set, is when the user was deleted: the user only appears in credential
	// reports generated before then, and never in the live API.
	Deleted time.Time
	// MFA reports whether the user has an MFA device.
	MFA bool
	// Password is the console password, or nil for none.
	Password *Password
	// AccessKeys are the user's access keys (at most 2), in slot order.
	AccessKeys []AccessKey
}

// Password is a user's console password (login profile).
type Password struct {
	// Created is when the password was set. Default: the user's creation time.
	Created time.Time
	// LastUsed is the last sign-in with it; zero means never.
	LastUsed time.Time
}

// AccessKey is a long-term access key, in a scenario or in a live state snapshot.
type AccessKey struct {
	// ID is the access key ID, "AKIA" followed by upper-case letters and digits.
	ID string
	// UserName is the owner; set by the emulator, ignored in scenarios.
	UserName string
	// Secret is the secret access key. Default: derived from ID.
	Secret string
	// Status is "Active" (default) or "Inactive".
	Status string
	// Created is the creation time. Default: the user's creation time.
	Created time.Time
	// LastUsed is the last use, or nil if the key was never used.
	LastUsed *LastUse
}

// LastUse is the last use of an access key.
type LastUse struct {
	// Date is when the key was last used.
	Date time.Time
	// Service is the service namespace, such as "s3" or "iam". Default "N/A".
	Service string
	// Region is the region, such as "us-east-1". Default "N/A".
	Region string
}

// Organization is an AWS Organization.
type Organization struct {
	// ID is the organization ID, default derived from the management account.
	ID string
	// ManagementAccount is the ID of the management account (required).
	ManagementAccount string
	// Accounts are the member accounts, listed by ListAccounts in this order.
	Accounts []OrgAccount
}

// OrgAccount is an account as Organizations lists it.
type OrgAccount struct {
	// ID is the 12-digit account ID.
	ID string
	// Name is the account name. Default: the ID.
	Name string
	// Email is the root email. Default: derived from the name.
	Email string
	// State is ACTIVE (default), SUSPENDED, PENDING_CLOSURE, CLOSED or PENDING_ACTIVATION.
	State string
	// JoinedMethod is CREATED (default) or INVITED.
	JoinedMethod string
	// Joined is when the account joined. Default: Scenario.Now minus one year.
	Joined time.Time
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	userNamePattern  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	keyIDPattern     = regexp.MustCompile(`^AKIA[A-Z0-9]{12,124}$`)
	orgStates        = map[string]bool{
		"ACTIVE": true, "SUSPENDED": true, "PENDING_CLOSURE": true,
		"CLOSED": true, "PENDING_ACTIVATION": true,
	}
)

// Validate checks the scenario and fills in defaults in place. Its error names the
// offending field, for example "accounts[0].users[2].name: ...".
func (sc *Scenario) Validate() error {
	if sc.Now.IsZero() {
		sc.Now = time.Now().UTC().Truncate(time.Second)
	}
	if sc.Seed == 0 {
		sc.Seed = 1
	}
	switch sc.ReportTimeFormat {
	case "":
		sc.ReportTimeFormat = "Z"
	case "Z", "+00:00":
	default:
		return fmt.Errorf("report_time_format: %q is not \"Z\" or \"+00:00\"", sc.ReportTimeFormat)
	}
	if len(sc.Accounts) == 0 {
		return fmt.Errorf("accounts: at least one account is required")
	}

	keys := map[string]string{}
	accounts := map[string]bool{}
	for i := range sc.Accounts {
		path := fmt.Sprintf("accounts[%d]", i)
		if err := sc.Accounts[i].validate(path, sc.Now, keys); err != nil {
			return err
		}
		if accounts[sc.Accounts[i].ID] {
			return fmt.Errorf("%s.id: duplicate account %s", path, sc.Accounts[i].ID)
		}
		accounts[sc.Accounts[i].ID] = true
	}

	if sc.Organization != nil {
		if err := sc.Organization.validate(sc.Now); err != nil {
			return err
		}
	}
	for i := range sc.Faults {
		if err := sc.Faults[i].validate(fmt.Sprintf("faults[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (a *Account) validate(path string, now time.Time, keys map[string]string) error {
	if !accountIDPattern.MatchString(a.ID) {
		return fmt.Errorf("%s.id: %q is not a 12-digit account ID", path, a.ID)
	}
	if a.Partition == "" {
		a.Partition = "aws"
	}
	if a.Created.IsZero() {
		a.Created = now
	}

	if a.Root == nil {
		a.Root = &Root{}
	}
	switch a.Root.PasswordEnabled {
	case "":
		a.Root.PasswordEnabled = "not_supported"
	case "not_supported", "true", "false":
	default:
		return fmt.Errorf("%s.root.password_enabled: %q is not not_supported, true or false",
			path, a.Root.PasswordEnabled)
	}
	err := validateKeys(path+".root.access_keys", a.Root.AccessKeys, a.Created, keys)
	if err != nil {
		return err
	}

	names := map[string]bool{}
	for i := range a.Users {
		u := &a.Users[i]
		upath := fmt.Sprintf("%s.users[%d]", path, i)
		if err := u.validate(upath, a.Created, keys); err != nil {
			return err
		}
		if u.Deleted.IsZero() && names[strings.ToLower(u.Name)] {
			return fmt.Errorf("%s.name: duplicate user %q", upath, u.Name)
		}
		if u.Deleted.IsZero() {
			names[strings.ToLower(u.Name)] = true
		}
	}
	return nil
}

func (u *User) validate(path string, accountCreated time.Time, keys map[string]string) error {
	if !userNamePattern.MatchString(u.Name) {
		return fmt.Errorf("%s.name: %q is not a valid IAM user name", path, u.Name)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if !strings.HasPrefix(u.Path, "/") || !strings.HasSuffix(u.Path, "/") {
		return fmt.Errorf("%s.path: %q must start and end with /", path, u.Path)
	}
	if u.Created.IsZero() {
		u.Created = accountCreated
	}
	if !u.Deleted.IsZero() && u.Deleted.Before(u.Created) {
		return fmt.Errorf("%s.deleted: %s is before created", path, u.Deleted.Format(time.RFC3339))
	}

	if u.Password != nil && u.Password.Created.IsZero() {
		u.Password.Created = u.Created
	}
	return validateKeys(path+".access_keys", u.AccessKeys, u.Created, keys)
}

func validateKeys(path string, ks []AccessKey, created time.Time, seen map[string]string) error {
	if len(ks) > 2 {
		return fmt.Errorf("%s: %d keys, at most 2 allowed", path, len(ks))
	}
	for i := range ks {
		k := &ks[i]
		kpath := fmt.Sprintf("%s[%d]", path, i)
		if !keyIDPattern.MatchString(k.ID) {
			return fmt.Errorf("%s.id: %q is not AKIA followed by upper-case letters and digits",
				kpath, k.ID)
		}
		if other, ok := seen[k.ID]; ok {
			return fmt.Errorf("%s.id: %s already used at %s", kpath, k.ID, other)
		}
		seen[k.ID] = kpath

		switch k.Status {
		case "":
			k.Status = statusActive
		case statusActive, statusInactive:
		default:
			return fmt.Errorf("%s.status: %q is not Active or Inactive", kpath, k.Status)
		}
		if k.Created.IsZero() {
			k.Created = created
		}
		if k.Secret == "" {
			k.Secret = derivedSecret(k.ID)
		}
		if k.LastUsed != nil {
			if k.LastUsed.Date.IsZero() {
				return fmt.Errorf("%s.last_used.date: required", kpath)
			}
			k.LastUsed.Service = orNA(k.LastUsed.Service)
			k.LastUsed.Region = orNA(k.LastUsed.Region)
		}
	}
	return nil
}

func (o *Organization) validate(now time.Time) error {
	if !accountIDPattern.MatchString(o.ManagementAccount) {
		return fmt.Errorf("organization.management_account: %q is not a 12-digit account ID",
			o.ManagementAccount)
	}
	if o.ID == "" {
		o.ID = "o-" + strings.ToLower(derivedID(o.ManagementAccount, 10))
	}
	for i := range o.Accounts {
		a := &o.Accounts[i]
		path := fmt.Sprintf("organization.accounts[%d]", i)
		if !accountIDPattern.MatchString(a.ID) {
			return fmt.Errorf("%s.id: %q is not a 12-digit account ID", path, a.ID)
		}
		if a.Name == "" {
			a.Name = a.ID
		}
		if a.Email == "" {
			a.Email = "aws+" + strings.ToLower(a.Name) + "@example.com"
		}
		if a.State == "" {
			a.State = "ACTIVE"
		}
		if !orgStates[a.State] {
			return fmt.Errorf("%s.state: %q is not a known account state", path, a.State)
		}
		if a.JoinedMethod == "" {
			a.JoinedMethod = "CREATED"
		}
		if a.Joined.IsZero() {
			a.Joined = now.AddDate(-1, 0, 0)
		}
	}
	return nil
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}
