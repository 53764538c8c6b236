package rule

import (
	"fmt"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// KeyIDPlaceholder stands for an access key ID that a credential report does not carry.
const KeyIDPlaceholder = "<ACCESS_KEY_ID>"

// remediation builds the commands that remove a failing key, ready to paste.
func remediation(r *finding.Result) *finding.Remediation {
	user := ShellQuote(r.UserName)
	acct := ""
	if r.AccountID != "" {
		acct = " with credentials for account " + r.AccountID
	}

	if r.AccessKeyID != nil {
		id := *r.AccessKeyID
		return &finding.Remediation{
			Summary: fmt.Sprintf("Delete access key %s of %s%s; `keywarden fix` can "+
				"deactivate it first, reversibly.", id, r.UserName, acct),
			Commands: []string{fmt.Sprintf(
				"aws iam delete-access-key --user-name %s --access-key-id %s", user, id)},
		}
	}

	created := r.KeyCreatedAt.UTC().Format(time.RFC3339)
	return &finding.Remediation{
		Summary: fmt.Sprintf("List the keys of %s%s, pick the one whose CreateDate is %s "+
			"(slot %d of the report), and delete it.", r.UserName, acct, created, *r.KeySlot),
		Commands: []string{
			fmt.Sprintf("aws iam list-access-keys --user-name %s", user),
			fmt.Sprintf("aws iam delete-access-key --user-name %s --access-key-id %s", user,
				KeyIDPlaceholder),
		},
	}
}

// ShellQuote returns s unchanged when a POSIX shell reads it as one plain word, and in single
// quotes otherwise.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, shellSafe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellSafe holds the bytes that need no quoting; it covers every legal IAM user name except
// a leading or embedded character a shell treats specially.
const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-/:"
