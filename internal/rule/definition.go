package rule

// ID is the identifier of keywarden's rule.
const ID = "aws-iam-user-setup-access-key"

// Compliance is one framework control the rule implements.
type Compliance struct {
	Framework string `json:"framework"`
	Version   string `json:"version"`
	Control   string `json:"control"`
}

// Definition is the documentation of a rule. It is the one source for `keywarden rules`,
// `keywarden explain` and every output format that carries rule text.
type Definition struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Rationale   string `json:"rationale"`
	// Decisions explains, reason by reason, how the rule reaches each verdict.
	Decisions []Decision `json:"decisions"`
	// Visibility says what the rule can and cannot see.
	Visibility  string       `json:"visibility"`
	Remediation string       `json:"remediation"`
	References  []string     `json:"references"`
	Compliance  []Compliance `json:"compliance"`
}

// Decision documents one reason code.
type Decision struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

// Definitions lists every rule keywarden has.
func Definitions() []Definition { return []Definition{SetupKey} }

// Lookup returns the definition with the given id.
func Lookup(id string) (Definition, bool) {
	for _, d := range Definitions() {
		if d.ID == id {
			return d, true
		}
	}
	return Definition{}, false
}

// SetupKey documents the rule that Evaluate implements.
var SetupKey = Definition{
	ID:    ID,
	Title: "Do not create access keys during initial setup for IAM users with a console password",
	Description: "Finds IAM user access keys that were created together with the user, " +
		"within a short window after the user itself, and that have never been used. " +
		"Each key slot is judged on its own, active or inactive.",
	Rationale: "An access key created by an administrator at the moment a console user is " +
		"set up is often never needed, yet it lives on as a long-term secret that nobody " +
		"owns. When a user creates a key later, on their own, that shows intent and the key " +
		"has an owner. Removing setup keys that were never used shrinks the set of " +
		"long-lived credentials without breaking anything.",
	Decisions: []Decision{
		{"not_applicable", "root-account",
			"The <root_account> row. Root keys are covered by a separate control."},
		{"not_applicable", "no-console-password",
			"password_enabled is not true, so the user has no console password."},
		{"pass", "no-access-keys", "A console user with no key in either slot."},
		{"fail", "created-at-setup-unused",
			"The key was created 0 to --window seconds (default 60) after the user and its " +
				"last_used_date is N/A. Severity medium when active, low when inactive, " +
				"because an inactive key can be switched back on."},
		{"pass", "created-at-setup-in-use",
			"The key was created within the window but has been used. It must not be " +
				"deleted blindly; its owner should confirm it is needed."},
		{"pass", "created-after-setup", "The key was created after the window."},
		{"review", "usage-unknown-before-tracking",
			"A setup key created before 2015-04-22, when AWS began recording key use, with " +
				"no recorded use. Its use is unknowable, so it is never a pass."},
		{"review", "key-creation-time-unknown",
			"The slot is marked active but has no last_rotated time."},
		{"review", "key-created-before-user",
			"The key's creation time is earlier than the user's, which real AWS data " +
				"cannot show; the report was probably edited."},
		{"review", "key-id-ambiguous",
			"Live scans only: two keys of the user share a creation second, so the report " +
				"slot cannot be tied to one key ID."},
	},
	Visibility: "From a credential report keywarden sees each user's creation time, console " +
		"password flag, and per key slot its status, creation time (last_rotated) and " +
		"last use to the minute. It cannot see key IDs, so offline remediation names the " +
		"key by creation time; a live scan adds the IDs from ListAccessKeys and re-checks " +
		"use with GetAccessKeyLastUsed. A report can be up to 4 hours old: users and keys " +
		"created since are missing from it, which the live scan covers with ListUsers. Use " +
		"before 2015-04-22 was never recorded by AWS.",
	Remediation: "Delete setup keys that were never used: find the key ID with " +
		"`aws iam list-access-keys --user-name USER`, then run " +
		"`aws iam delete-access-key --user-name USER --access-key-id KEY_ID`. " +
		"`keywarden fix` deactivates them first, with a journal so the change can be undone.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html",
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
		"https://www.cisecurity.org/benchmark/amazon_web_services",
		"https://docs.datadoghq.com/security/default_rules/5nr-ef7-a72/",
	},
	Compliance: []Compliance{
		{"CIS AWS Foundations Benchmark", "1.1.0", "1.23"},
		{"CIS AWS Foundations Benchmark", "1.2.0", "1.21"},
		{"CIS AWS Foundations Benchmark", "1.3.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "1.4.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "1.5.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "2.0.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "3.0.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "4.0.0", "1.11"},
		{"CIS AWS Foundations Benchmark", "5.0.0", "1.10"},
		{"CIS AWS Foundations Benchmark", "6.0.0", "2.10"},
		{"Datadog Cloud Security Management", "default rules", "5nr-ef7-a72"},
	},
}
