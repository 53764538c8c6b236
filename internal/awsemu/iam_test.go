package awsemu_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keywarden/keywarden/internal/awsemu"
	"github.com/keywarden/keywarden/internal/awsemu/emutest"
)

func TestIAM_UserLifecycle(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)
	name := aws.String("dave")

	created, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: name})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	wantARN := "arn:aws:iam::" + acctA + ":user/dave"
	if got := aws.ToString(created.User.Arn); got != wantARN {
		t.Errorf("CreateUser ARN = %q, want %q", got, wantARN)
	}
	if id := aws.ToString(created.User.UserId); !strings.HasPrefix(id, "AIDA") {
		t.Errorf("UserId = %q, want AIDA prefix", id)
	}
	got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: name})
	if err != nil || !got.User.CreateDate.Equal(*created.User.CreateDate) {
		t.Fatalf("GetUser = %+v, %v; want the created user", got, err)
	}

	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{
		UserName: name,
		Password: aws.String("Secret-Pass-1"),
	})
	if err != nil {
		t.Fatalf("CreateLoginProfile: %v", err)
	}
	if _, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: name}); err != nil {
		t.Fatalf("GetLoginProfile: %v", err)
	}

	var keyIDs []string
	for range 2 {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name})
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		k := out.AccessKey
		id := aws.ToString(k.AccessKeyId)
		if len(id) != 20 || !strings.HasPrefix(id, "AKIA") || k.Status != types.StatusTypeActive {
			t.Errorf("new key %q status %q, want AKIA+16 Active", id, k.Status)
		}
		if len(aws.ToString(k.SecretAccessKey)) != 40 {
			t.Errorf("secret length = %d, want 40", len(aws.ToString(k.SecretAccessKey)))
		}
		keyIDs = append(keyIDs, id)
	}
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name})
	wantAPIError(t, err, "LimitExceeded", 409)

	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
		UserName:    name,
		AccessKeyId: aws.String(keyIDs[0]),
		Status:      types.StatusTypeInactive,
	})
	if err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	list, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: name})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v; want 2 keys", list, err)
	}
	for i, k := range list.AccessKeyMetadata {
		wantStatus := []types.StatusType{types.StatusTypeInactive, types.StatusTypeActive}[i]
		if aws.ToString(k.AccessKeyId) != keyIDs[i] || k.Status != wantStatus {
			t.Errorf("key %d = %s %s, want %s %s", i, *k.AccessKeyId, k.Status, keyIDs[i],
				wantStatus)
		}
	}

	lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
		AccessKeyId: aws.String(keyIDs[1]),
	})
	if err != nil {
		t.Fatalf("GetAccessKeyLastUsed: %v", err)
	}
	if l := lu.AccessKeyLastUsed; l.LastUsedDate != nil || *l.ServiceName != "N/A" ||
		*l.Region != "N/A" || aws.ToString(lu.UserName) != "dave" {
		t.Errorf("GetAccessKeyLastUsed = %+v, want never used, N/A, user dave", l)
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})
	wantAPIError(t, err, "DeleteConflict", 409)
	for _, id := range keyIDs {
		_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{
			UserName:    name,
			AccessKeyId: aws.String(id),
		})
		if err != nil {
			t.Fatalf("DeleteAccessKey: %v", err)
		}
	}
	_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: name})
	if err != nil {
		t.Fatalf("DeleteLoginProfile: %v", err)
	}
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: name})
	wantAPIError(t, err, "NoSuchEntity", 404)
	if msg := errorMessage(err); msg != "Login Profile for User dave cannot be found." {
		t.Errorf("GetLoginProfile message = %q", msg)
	}

	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: name})
	wantAPIError(t, err, "NoSuchEntity", 404)
	if msg := errorMessage(err); msg != "The user with name dave cannot be found." {
		t.Errorf("GetUser message = %q", msg)
	}
	if users := srv.Users(acctA); strings.Join(users, ",") != "alice,Bob" {
		t.Errorf("Users = %v, want [alice Bob]", users)
	}
}

func TestIAM_Errors(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	c := as(srv, keyUnknown).iam
	ctx := ctx(t)

	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"create existing user, other case", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ALICE")})
			return err
		}, "EntityAlreadyExists", 409},
		{"create login profile twice", func() error {
			_, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{
				UserName: aws.String("alice"), Password: aws.String("x-Y-z-12345")})
			return err
		}, "EntityAlreadyExists", 409},
		{"keys of unknown user", func() error {
			_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("zed")})
			return err
		}, "NoSuchEntity", 404},
		{"update key of other user", func() error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
				UserName: aws.String("Bob"), AccessKeyId: aws.String(keyAlice),
				Status: types.StatusTypeInactive})
			return err
		}, "NoSuchEntity", 404},
		{"last used of unknown key", func() error {
			_, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
				AccessKeyId: aws.String("AKIANOSUCHKEY0000000")})
			return err
		}, "NoSuchEntity", 404},
		{"max items too large", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
			return err
		}, "ValidationError", 400},
		{"bad marker", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("garbage")})
			return err
		}, "InvalidInput", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status)
		})
	}
}

func TestIAM_ListUsersPagination(t *testing.T) {
	sc := &awsemu.Scenario{Accounts: []awsemu.Account{{ID: acctA}}}
	for i := range 2500 {
		sc.Accounts[0].Users = append(sc.Accounts[0].Users, awsemu.User{
			Name: fmt.Sprintf("user%04d", 2499-i),
		})
	}
	srv := emutest.Start(t, sc)
	c := as(srv, keyUnknown).iam

	tests := []struct {
		name      string
		maxItems  *int32
		wantPages int
	}{
		{"max items 1000", aws.Int32(1000), 3},
		{"default 100", nil, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			pages := 0
			p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: tt.maxItems})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx(t))
				if err != nil {
					t.Fatalf("ListUsers page %d: %v", pages, err)
				}
				pages++
				for _, u := range out.Users {
					names = append(names, aws.ToString(u.UserName))
				}
			}
			if pages != tt.wantPages || len(names) != 2500 {
				t.Fatalf("got %d pages, %d users; want %d pages, 2500 users",
					pages, len(names), tt.wantPages)
			}
			for i, n := range names {
				if want := fmt.Sprintf("user%04d", i); n != want {
					t.Fatalf("user %d = %q, want %q (sorted)", i, n, want)
				}
			}
		})
	}
}

func TestIAM_ListUsersFields(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	out, err := as(srv, keyUnknown).iam.ListUsers(ctx(t), &iam.ListUsersInput{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if out.IsTruncated || out.Marker != nil || len(out.Users) != 2 {
		t.Fatalf("ListUsers = truncated %v marker %v %d users; want 2, not truncated",
			out.IsTruncated, out.Marker, len(out.Users))
	}

	alice, bob := out.Users[0], out.Users[1]
	wantUsed := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	if alice.PasswordLastUsed == nil || !alice.PasswordLastUsed.Equal(wantUsed) {
		t.Errorf("alice PasswordLastUsed = %v, want %v", alice.PasswordLastUsed, wantUsed)
	}
	if bob.PasswordLastUsed != nil {
		t.Errorf("Bob PasswordLastUsed = %v, want none", bob.PasswordLastUsed)
	}
	if got, want := aws.ToString(bob.Arn), "arn:aws:iam::"+acctA+":user/eng/Bob"; got != want {
		t.Errorf("Bob ARN = %q, want %q", got, want)
	}
}

func TestIAM_KeyUseRecorded(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	before := srv.Now()

	// Signing with alice's key acts as alice: ListAccessKeys defaults to her keys.
	out, err := as(srv, keyAlice).iam.ListAccessKeys(ctx(t), &iam.ListAccessKeysInput{})
	if err != nil || len(out.AccessKeyMetadata) != 1 {
		t.Fatalf("ListAccessKeys as alice = %+v, %v; want her key", out, err)
	}

	keys := srv.AccessKeys(acctA, "alice")
	if len(keys) != 1 || keys[0].LastUsed == nil {
		t.Fatalf("AccessKeys = %+v, want one used key", keys)
	}
	lu := keys[0].LastUsed
	early := lu.Date.Before(before.Add(-time.Second))
	if lu.Service != "iam" || lu.Region != "us-east-1" || early {
		t.Errorf("last use = %+v, want iam in us-east-1 after %v", lu, before)
	}

	if err := srv.UseKey(acctA, keyAlice, "ec2", "eu-west-1"); err != nil {
		t.Fatalf("UseKey: %v", err)
	}
	got, err := as(srv, keyUnknown).iam.GetAccessKeyLastUsed(ctx(t),
		&iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keyAlice)})
	if err != nil {
		t.Fatalf("GetAccessKeyLastUsed: %v", err)
	}
	if l := got.AccessKeyLastUsed; *l.ServiceName != "ec2" || *l.Region != "eu-west-1" {
		t.Errorf("last used = %s %s, want ec2 eu-west-1", *l.ServiceName, *l.Region)
	}
	if err := srv.UseKey(acctB, keyAlice, "s3", ""); err == nil {
		t.Error("UseKey in the wrong account succeeded")
	}
}

func TestIAM_InactiveKeyRejected(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	_, err := as(srv, keyUnknown).iam.UpdateAccessKey(ctx(t), &iam.UpdateAccessKeyInput{
		UserName:    aws.String("alice"),
		AccessKeyId: aws.String(keyAlice),
		Status:      types.StatusTypeInactive,
	})
	if err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}

	_, err = as(srv, keyAlice).iam.ListUsers(ctx(t), &iam.ListUsersInput{})
	wantAPIError(t, err, "InvalidClientTokenId", 403)
}

// queryError mirrors the IAM error envelope to check its exact shape.
type queryError struct {
	XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

func TestIAM_ErrorXMLShape(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	tests := []struct {
		name, form, code string
		status           int
	}{
		{"no such user", "Action=GetUser&Version=2010-05-08&UserName=nobody", "NoSuchEntity", 404},
		{"unknown action", "Action=Frobnicate&Version=2010-05-08", "InvalidAction", 400},
		{"unknown version", "Action=ListUsers&Version=1999-01-01", "InvalidAction", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL(), "application/x-www-form-urlencoded",
				strings.NewReader(tt.form))
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)

			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "text/xml" {
				t.Errorf("status %d type %q, want %d text/xml", resp.StatusCode,
					resp.Header.Get("Content-Type"), tt.status)
			}
			var e queryError
			if err := xml.Unmarshal(body, &e); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if e.Error.Type != "Sender" || e.Error.Code != tt.code || e.RequestID == "" ||
				e.RequestID != resp.Header.Get("x-amzn-RequestId") {
				t.Errorf("error body = %s, want Sender %s with RequestId under ErrorResponse",
					body, tt.code)
			}
		})
	}
}

func TestIAM_SuccessXMLShape(t *testing.T) {
	srv := emutest.StartJSON(t, baseScenario)
	form := url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}, "MaxItems": {"1"}}
	resp, err := http.PostForm(srv.URL(), form)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)

	want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
		`<ListUsersResult><Users><member><Path>/</Path><UserName>alice</UserName>`
	if !strings.HasPrefix(string(body), want) {
		t.Errorf("body = %s, want prefix %s", body, want)
	}
	for _, part := range []string{"<IsTruncated>true</IsTruncated><Marker>",
		"<CreateDate>2025-06-02T10:00:00Z</CreateDate>",
		"</ListUsersResult><ResponseMetadata><RequestId>"} {
		if !strings.Contains(string(body), part) {
			t.Errorf("body = %s, want it to contain %s", body, part)
		}
	}
}
