package awsemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// The wire types mirror the exported scenario types with timestamps kept as strings, so
// that a bad timestamp can be reported with the path of its field.
type (
	scenarioJSON struct {
		Now                     string            `json:"now"`
		ReportTimeFormat        string            `json:"report_time_format"`
		ReportGenerationSeconds float64           `json:"report_generation_seconds"`
		Seed                    int64             `json:"seed"`
		Accounts                []accountJSON     `json:"accounts"`
		Organization            *organizationJSON `json:"organization"`
		Faults                  []Fault           `json:"faults"`
	}
	accountJSON struct {
		ID                      string      `json:"id"`
		Partition               string      `json:"partition"`
		Created                 string      `json:"created"`
		Roles                   []string    `json:"roles"`
		Users                   []userJSON  `json:"users"`
		Root                    *rootJSON   `json:"root"`
		ReportGenerationSeconds *float64    `json:"report_generation_seconds"`
		Report                  *reportJSON `json:"report"`
	}
	reportJSON struct {
		Generated string `json:"generated"`
	}
	rootJSON struct {
		PasswordEnabled string    `json:"password_enabled"`
		MFA             bool      `json:"mfa"`
		AccessKeys      []keyJSON `json:"access_keys"`
	}
	userJSON struct {
		Name       string        `json:"name"`
		Path       string        `json:"path"`
		Created    string        `json:"created"`
		Deleted    string        `json:"deleted"`
		MFA        bool          `json:"mfa"`
		Password   *passwordJSON `json:"password"`
		AccessKeys []keyJSON     `json:"access_keys"`
	}
	passwordJSON struct {
		Created  string `json:"created"`
		LastUsed string `json:"last_used"`
	}
	keyJSON struct {
		ID       string       `json:"id"`
		Secret   string       `json:"secret"`
		Status   string       `json:"status"`
		Created  string       `json:"created"`
		LastUsed *lastUseJSON `json:"last_used"`
	}
	lastUseJSON struct {
		Date    string `json:"date"`
		Service string `json:"service"`
		Region  string `json:"region"`
	}
	organizationJSON struct {
		ID                string           `json:"id"`
		ManagementAccount string           `json:"management_account"`
		Accounts          []orgAccountJSON `json:"accounts"`
	}
	orgAccountJSON struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Email        string `json:"email"`
		State        string `json:"state"`
		JoinedMethod string `json:"joined_method"`
		Joined       string `json:"joined"`
	}
)

// LoadScenario reads and validates the scenario file at path. See [ParseScenario].
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}

	sc, err := ParseScenario(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario decodes a JSON scenario (see README.md), validates it and fills in
// defaults. Unknown fields are errors, so that typos do not go unnoticed. Errors name the
// field at fault, for example `accounts[0].users[2].created: parse time "x": ...`.
func ParseScenario(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var w scenarioJSON
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("decode scenario: %w", err)
	}

	c := converter{}
	sc := c.scenario(&w)
	if c.err != nil {
		return nil, c.err
	}

	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return sc, nil
}

// converter turns wire types into scenario types, keeping the first error.
type converter struct {
	err error
}

// time parses an RFC 3339 timestamp; empty means zero time.
func (c *converter) time(path, s string) time.Time {
	if s == "" || c.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		c.err = fmt.Errorf("%s: parse time %q: %w", path, s, err)
		return time.Time{}
	}
	return t.UTC()
}

func (c *converter) scenario(w *scenarioJSON) *Scenario {
	sc := &Scenario{
		Now:                     c.time("now", w.Now),
		ReportTimeFormat:        w.ReportTimeFormat,
		ReportGenerationSeconds: w.ReportGenerationSeconds,
		Seed:                    w.Seed,
		Faults:                  w.Faults,
	}
	for i, a := range w.Accounts {
		sc.Accounts = append(sc.Accounts, c.account(fmt.Sprintf("accounts[%d]", i), &a))
	}
	if w.Organization != nil {
		sc.Organization = c.organization(w.Organization)
	}
	return sc
}

func (c *converter) account(path string, w *accountJSON) Account {
	a := Account{
		ID:                      w.ID,
		Partition:               w.Partition,
		Created:                 c.time(path+".created", w.Created),
		Roles:                   w.Roles,
		ReportGenerationSeconds: w.ReportGenerationSeconds,
	}
	if w.Report != nil {
		a.Report = &ReportSpec{Generated: c.time(path+".report.generated", w.Report.Generated)}
		if w.Report.Generated == "" && c.err == nil {
			c.err = fmt.Errorf("%s.report.generated: required", path)
		}
	}
	if w.Root != nil {
		a.Root = &Root{
			PasswordEnabled: w.Root.PasswordEnabled,
			MFA:             w.Root.MFA,
			AccessKeys:      c.keys(path+".root.access_keys", w.Root.AccessKeys),
		}
	}
	for i, u := range w.Users {
		a.Users = append(a.Users, c.user(fmt.Sprintf("%s.users[%d]", path, i), &u))
	}
	return a
}

func (c *converter) user(path string, w *userJSON) User {
	u := User{
		Name:       w.Name,
		Path:       w.Path,
		Created:    c.time(path+".created", w.Created),
		Deleted:    c.time(path+".deleted", w.Deleted),
		MFA:        w.MFA,
		AccessKeys: c.keys(path+".access_keys", w.AccessKeys),
	}
	if w.Password != nil {
		u.Password = &Password{
			Created:  c.time(path+".password.created", w.Password.Created),
			LastUsed: c.time(path+".password.last_used", w.Password.LastUsed),
		}
	}
	return u
}

func (c *converter) keys(path string, ws []keyJSON) []AccessKey {
	var ks []AccessKey
	for i, w := range ws {
		kpath := fmt.Sprintf("%s[%d]", path, i)
		k := AccessKey{
			ID:      w.ID,
			Secret:  w.Secret,
			Status:  w.Status,
			Created: c.time(kpath+".created", w.Created),
		}
		if w.LastUsed != nil {
			k.LastUsed = &LastUse{
				Date:    c.time(kpath+".last_used.date", w.LastUsed.Date),
				Service: w.LastUsed.Service,
				Region:  w.LastUsed.Region,
			}
		}
		ks = append(ks, k)
	}
	return ks
}

func (c *converter) organization(w *organizationJSON) *Organization {
	o := &Organization{ID: w.ID, ManagementAccount: w.ManagementAccount}
	for i, a := range w.Accounts {
		path := fmt.Sprintf("organization.accounts[%d].joined", i)
		o.Accounts = append(o.Accounts, OrgAccount{
			ID:           a.ID,
			Name:         a.Name,
			Email:        a.Email,
			State:        a.State,
			JoinedMethod: a.JoinedMethod,
			Joined:       c.time(path, a.Joined),
		})
	}
	return o
}
