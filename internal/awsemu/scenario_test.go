package awsemu_test

import (
	"strings"
	"testing"

	"github.com/keywarden/keywarden/internal/awsemu"
)

func TestParseScenario_Errors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"bad user time",
			`{"accounts": [{"id": "111122223333", "users": [{"name": "a"}, {"name": "b"},
			  {"name": "c", "created": "x"}]}]}`,
			`accounts[0].users[2].created: parse time "x": `},
		{"bad key last use",
			`{"accounts": [{"id": "111122223333", "users": [{"name": "a", "access_keys": [
			  {"id": "AKIAAAAAAAAAAAAAAAAA", "last_used": {"date": "2025-13-01T00:00:00Z"}}]}]}]}`,
			`accounts[0].users[0].access_keys[0].last_used.date: parse time`},
		{"bad account id", `{"accounts": [{"id": "123"}]}`, `accounts[0].id: "123"`},
		{"no accounts", `{"accounts": []}`, `accounts: at least one`},
		{"unknown field", `{"acounts": []}`, `unknown field "acounts"`},
		{"bad time format", `{"report_time_format": "UTC", "accounts": [{"id": "111122223333"}]}`,
			`report_time_format: "UTC"`},
		{"duplicate key",
			`{"accounts": [{"id": "111122223333", "users": [
			  {"name": "a", "access_keys": [{"id": "AKIAAAAAAAAAAAAAAAAA"}]},
			  {"name": "b", "access_keys": [{"id": "AKIAAAAAAAAAAAAAAAAA"}]}]}]}`,
			`accounts[0].users[1].access_keys[0].id: AKIAAAAAAAAAAAAAAAAA already used`},
		{"three keys",
			`{"accounts": [{"id": "111122223333", "users": [{"name": "a", "access_keys": [
			  {"id": "AKIAAAAAAAAAAAAAAAA1"}, {"id": "AKIAAAAAAAAAAAAAAAA2"},
			  {"id": "AKIAAAAAAAAAAAAAAAA3"}]}]}]}`,
			`accounts[0].users[0].access_keys: 3 keys`},
		{"bad status",
			`{"accounts": [{"id": "111122223333", "users": [{"name": "a", "access_keys": [
			  {"id": "AKIAAAAAAAAAAAAAAAA1", "status": "active"}]}]}]}`,
			`accounts[0].users[0].access_keys[0].status`},
		{"bad org state",
			`{"accounts": [{"id": "111122223333"}], "organization": {
			  "management_account": "111122223333", "accounts": [{"id": "111122223333",
			  "state": "GONE"}]}}`,
			`organization.accounts[0].state`},
		{"bad fault", `{"accounts": [{"id": "111122223333"}], "faults": [{"error": "X"}]}`,
			`faults[0].action: required`},
		{"bad fraction",
			`{"accounts": [{"id": "111122223333"}], "faults": [{"action": "A", "fraction": 2}]}`,
			`faults[0].fraction`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := awsemu.ParseScenario(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseScenario_Defaults(t *testing.T) {
	sc, err := awsemu.ParseScenario(strings.NewReader(`{"now": "2025-06-10T12:00:00Z",
	  "accounts": [{"id": "111122223333", "users": [{"name": "a",
	    "access_keys": [{"id": "AKIAAAAAAAAAAAAAAAA1"}]}]}]}`))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	a := sc.Accounts[0]
	u := a.Users[0]
	k := u.AccessKeys[0]
	switch {
	case sc.ReportTimeFormat != "Z" || sc.Seed != 1:
		t.Errorf("format %q seed %d, want Z and 1", sc.ReportTimeFormat, sc.Seed)
	case a.Partition != "aws" || !a.Created.Equal(sc.Now) ||
		a.Root.PasswordEnabled != "not_supported":
		t.Errorf("account defaults = %+v", a)
	case u.Path != "/" || !u.Created.Equal(a.Created):
		t.Errorf("user defaults = %+v", u)
	case k.Status != "Active" || len(k.Secret) != 40 || !k.Created.Equal(u.Created):
		t.Errorf("key defaults = %+v", k)
	}
}
