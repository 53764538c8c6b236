package output

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// This file holds what several machine formats share: how a result names its resources, its
// stable identity, and its verdict before any suppression.

// partitionOf returns the AWS partition of r, "aws" when unknown.
func partitionOf(r *finding.Result) string {
	if r.Partition == "" {
		return "aws"
	}
	return r.Partition
}

// userARN returns the ARN of the user of r, built from its parts when the evidence has none.
func userARN(r *finding.Result) string {
	if r.UserARN != "" {
		return r.UserARN
	}
	return fmt.Sprintf("arn:%s:iam::%s:user/%s", partitionOf(r), r.AccountID, r.UserName)
}

// userPath returns the IAM path of the user, such as "/" or "/automation/".
func userPath(r *finding.Result) string {
	arn := userARN(r)
	i := strings.Index(arn, ":user/")
	if i < 0 {
		return "/"
	}
	rest := arn[i+len(":user"):]
	return rest[:strings.LastIndex(rest, "/")+1]
}

// isRoot reports whether r is about the account root rather than an IAM user.
func isRoot(r *finding.Result) bool {
	return strings.HasSuffix(r.UserARN, ":root")
}

// keyPart names the key of r in identifiers: its ID when known, else "slot-N". A user-level
// result has the part "user".
func keyPart(r *finding.Result) string {
	switch {
	case r.AccessKeyID != nil:
		return *r.AccessKeyID
	case r.KeySlot != nil:
		return fmt.Sprintf("slot-%d", *r.KeySlot)
	case r.UserName == "":
		return "account"
	}
	return "user"
}

// keyResourceID identifies the key of r: access keys have no ARN, so the ID is the access
// key ID when known, else keyLocator.
func keyResourceID(r *finding.Result) string {
	if r.AccessKeyID != nil {
		return *r.AccessKeyID
	}
	return keyLocator(r)
}

// keyLocator places the key of r under its user: the user ARN, then the key ID or slot.
func keyLocator(r *finding.Result) string {
	return userARN(r) + "/access-key/" + keyPart(r)
}

// findingName is the readable identity of r: the same account, user, key and rule give the
// same name on every run. A key found by slot offline and by ID live has two names.
func findingName(r *finding.Result) string {
	return strings.Join([]string{"keywarden", r.RuleID, r.AccountID, r.UserName, keyPart(r)},
		"/")
}

// findingUID is findingName hashed to a fixed length, for formats that want opaque IDs.
func findingUID(r *finding.Result) string {
	sum := sha256.Sum256([]byte(findingName(r)))
	return hex.EncodeToString(sum[:16])
}

// verdict returns the status r had before a suppression muted it; other results keep
// theirs. The rule's decisions map every reason to one status.
func verdict(r *finding.Result) finding.Status {
	if r.Status != finding.StatusMuted {
		return r.Status
	}
	for _, d := range definitionOf(r).Decisions {
		if d.Reason == string(r.Reason) {
			return finding.Status(d.Status)
		}
	}
	return finding.StatusFail
}

// definitionOf returns the documentation of the rule of r, SetupKey when unknown.
func definitionOf(r *finding.Result) rule.Definition {
	if d, ok := rule.Lookup(r.RuleID); ok {
		return d
	}
	return rule.SetupKey
}

// cisControls returns the CIS AWS Foundations Benchmark entries of a rule's mapping.
func cisControls(d rule.Definition) []rule.Compliance {
	var out []rule.Compliance
	for _, c := range d.Compliance {
		if strings.HasPrefix(c.Framework, "CIS ") {
			out = append(out, c)
		}
	}
	return out
}

// cisLabel names one CIS control with its benchmark version, such as "CIS AWS Foundations
// Benchmark v1.2.0 1.21".
func cisLabel(c rule.Compliance) string {
	return fmt.Sprintf("%s v%s %s", c.Framework, c.Version, c.Control)
}

// uniqueControls lists the distinct control numbers of cs in order.
func uniqueControls(cs []rule.Compliance) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.Control] {
			seen[c.Control] = true
			out = append(out, c.Control)
		}
	}
	return out
}
