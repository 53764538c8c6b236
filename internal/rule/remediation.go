package rule

import (
	"fmt"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// remediation builds the commands that remove a failing key, ready to paste.
func remediation(r *finding.Result) *finding.Remediation {
	user := ShellQuote(r.UserName)
	acct := ""
	if r.AccountID != "" {
		acct = " with credentials for account " + r.AccountID
	}

	if r.AccessKeyID != nil {
		id := *r.AccessKeyID
		next := "`keywarden fix` can deactivate it first, reversibly."
		if r.KeyStatus != "Active" {
			next = "It is already inactive; `keywarden fix --action delete` deletes it " +
				"with a journal."
		}
		return &finding.Remediation{
			Summary: fmt.Sprintf("Delete access key %s of %s%s. %s", id, r.UserName, acct,
				next),
			Commands: []string{fmt.Sprintf(
				"aws iam delete-access-key --user-name %s --access-key-id %s", user, id)},
		}
	}

	// A report has no key IDs: the first command picks the key by its creation second.
	// starts_with matches both the Z form (AWS CLI 1) and the +00:00 form (AWS CLI 2).
	created := r.KeyCreatedAt.UTC().Format(time.RFC3339)
	prefix := r.KeyCreatedAt.UTC().Format("2006-01-02T15:04:05")
	return &finding.Remediation{
		Summary: fmt.Sprintf("Find the key of %s%s created at %s (slot %d of the report), "+
			"check that exactly one ID was found, then delete it.", r.UserName, acct,
			created, *r.KeySlot),
		Commands: []string{
			fmt.Sprintf("KEY_ID=$(aws iam list-access-keys --user-name %s --query "+
				`"AccessKeyMetadata[?starts_with(CreateDate, '%s')].AccessKeyId" `+
				"--output text) && echo \"$KEY_ID\"", user, prefix),
			fmt.Sprintf(`[ "$(echo $KEY_ID | wc -w)" -eq 1 ] && `+
				`aws iam delete-access-key --user-name %s --access-key-id "$KEY_ID"`, user),
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
