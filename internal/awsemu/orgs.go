package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// orgsHandlers maps Organizations operations to their implementations.
var orgsHandlers = map[string]jsonHandler{
	"ListAccounts":         (*Server).listAccounts,
	"DescribeOrganization": (*Server).describeOrganization,
}

// legacyStatus maps account State to the older Status field, which has fewer values.
var legacyStatus = map[string]string{
	"ACTIVE":          "ACTIVE",
	"SUSPENDED":       "SUSPENDED",
	"PENDING_CLOSURE": "PENDING_CLOSURE",
}

type (
	orgAccountWire struct {
		ID              string `json:"Id"`
		Arn             string `json:"Arn"`
		Email           string `json:"Email"`
		Name            string `json:"Name"`
		Status          string `json:"Status,omitempty"`
		State           string `json:"State"`
		JoinedMethod    string `json:"JoinedMethod"`
		JoinedTimestamp int64  `json:"JoinedTimestamp"`
	}
	listAccountsInput struct {
		NextToken  *string `json:"NextToken"`
		MaxResults *int    `json:"MaxResults"`
	}
	listAccountsOutput struct {
		Accounts  []orgAccountWire `json:"Accounts"`
		NextToken string           `json:"NextToken,omitempty"`
	}
)

// checkOrgCaller returns the error Organizations gives a caller outside the management
// account, or when there is no organization.
func (s *Server) checkOrgCaller(c *caller) *apiError {
	if s.org == nil {
		return errf("AWSOrganizationsNotInUseException",
			"Your account is not a member of an organization.")
	}
	if c.account.id != s.org.ManagementAccount {
		return errf("AccessDeniedException",
			"You don't have permissions to access this resource.")
	}
	return nil
}

func (s *Server) orgARN(path string) string {
	partition := "aws"
	if a := s.byID[s.org.ManagementAccount]; a != nil {
		partition = a.partition
	}
	return "arn:" + partition + ":organizations::" + s.org.ManagementAccount + ":" + path
}

func (s *Server) listAccounts(c *caller, body []byte) (any, *apiError) {
	if err := s.checkOrgCaller(c); err != nil {
		return nil, err
	}
	var in listAccountsInput
	if len(body) > 0 && json.Unmarshal(body, &in) != nil {
		return nil, errf("SerializationException", "Cannot parse request body")
	}

	maxResults := 20
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 20 {
			return nil, errf("InvalidInputException",
				"You provided a value that does not match the required pattern.")
		}
		maxResults = *in.MaxResults
	}
	start := 0
	if in.NextToken != nil {
		off, ok := decodeToken(*in.NextToken)
		if !ok || off > len(s.org.Accounts) {
			return nil, errf("InvalidInputException",
				"You specified an invalid value for nextToken.")
		}
		start = off
	}

	end := min(start+maxResults, len(s.org.Accounts))
	out := listAccountsOutput{Accounts: []orgAccountWire{}}
	for _, a := range s.org.Accounts[start:end] {
		out.Accounts = append(out.Accounts, orgAccountWire{
			ID:              a.ID,
			Arn:             s.orgARN("account/" + s.org.ID + "/" + a.ID),
			Email:           a.Email,
			Name:            a.Name,
			Status:          legacyStatus[a.State],
			State:           a.State,
			JoinedMethod:    a.JoinedMethod,
			JoinedTimestamp: a.Joined.Unix(),
		})
	}
	if end < len(s.org.Accounts) {
		out.NextToken = encodeToken(end)
	}
	return out, nil
}

func (s *Server) describeOrganization(c *caller, _ []byte) (any, *apiError) {
	if s.org == nil {
		return nil, errf("AWSOrganizationsNotInUseException",
			"Your account is not a member of an organization.")
	}
	mgmt := s.org.ManagementAccount
	email := "aws+" + mgmt + "@example.com"
	for _, a := range s.org.Accounts {
		if a.ID == mgmt {
			email = a.Email
		}
	}
	return map[string]any{"Organization": map[string]any{
		"Id":                 s.org.ID,
		"Arn":                s.orgARN("organization/" + s.org.ID),
		"FeatureSet":         "ALL",
		"MasterAccountArn":   s.orgARN("account/" + s.org.ID + "/" + mgmt),
		"MasterAccountId":    mgmt,
		"MasterAccountEmail": email,
	}}, nil
}

const tokenPrefix = "awsemu-accounts:"

func encodeToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(off)))
}

func decodeToken(tok string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), tokenPrefix)
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(digits)
	return off, err == nil && off >= 0
}
