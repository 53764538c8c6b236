package output

import "github.com/keywarden/keywarden/internal/finding"

// field is one named piece of evidence, as text.
type field struct{ name, value string }

// evidenceFields lists the evidence of a result in one fixed order, leaving out what is
// empty. Formats that carry evidence as name/value pairs (JUnit, SARIF) share it.
func evidenceFields(r *finding.Result) []field {
	all := []field{
		{"status", string(r.Status)},
		{"severity", string(r.Severity)},
		{"reason", string(r.Reason)},
		{"account_id", r.AccountID},
		{"user_name", r.UserName},
		{"user_arn", r.UserARN},
		{"key_slot", intPtr(r.KeySlot)},
		{"access_key_id", strPtr(r.AccessKeyID)},
		{"key_status", r.KeyStatus},
		{"user_created_at", timePtr(r.UserCreatedAt)},
		{"key_created_at", timePtr(r.KeyCreatedAt)},
		{"setup_delta_seconds", int64Ptr(r.SetupDeltaSeconds)},
		{"key_last_used_at", timePtr(r.KeyLastUsedAt)},
		{"key_last_used_service", r.KeyLastUsedService},
		{"key_last_used_region", r.KeyLastUsedRegion},
		{"password_enabled", r.PasswordEnabled},
		{"source", sourceName(r.Source)},
	}
	out := all[:0]
	for _, f := range all {
		if f.value != "" {
			out = append(out, f)
		}
	}
	return out
}
