package output

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// CSVHeader lists the columns of the csv format, in order.
var CSVHeader = []string{
	"rule_id", "status", "severity", "reason", "account_id", "partition", "user_name",
	"user_arn", "key_slot", "access_key_id", "key_status", "user_created_at",
	"key_created_at", "setup_delta_seconds", "key_last_used_at", "key_last_used_service",
	"key_last_used_region", "password_enabled", "message", "remediation", "source",
	"report_generated_at",
}

func newCSV(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return err
		}
		for i := range doc.Results {
			if err := cw.Write(csvRecord(&doc.Results[i])); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// csvRecord flattens a result; absent values are empty fields.
func csvRecord(r *finding.Result) []string {
	var commands string
	if r.Remediation != nil {
		commands = strings.Join(r.Remediation.Commands, " && ")
	}
	return []string{
		r.RuleID, string(r.Status), string(r.Severity), string(r.Reason), r.AccountID,
		r.Partition, r.UserName, r.UserARN, intPtr(r.KeySlot), strPtr(r.AccessKeyID),
		r.KeyStatus, timePtr(r.UserCreatedAt), timePtr(r.KeyCreatedAt),
		int64Ptr(r.SetupDeltaSeconds), timePtr(r.KeyLastUsedAt), r.KeyLastUsedService,
		r.KeyLastUsedRegion, r.PasswordEnabled, r.Message, commands, sourceName(r.Source),
		timePtr(r.Source.GeneratedAt),
	}
}

func sourceName(s finding.Source) string {
	if s.Path != "" {
		return s.Path
	}
	return s.Kind
}

func intPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func int64Ptr(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func strPtr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func timePtr(p *time.Time) string {
	if p == nil {
		return ""
	}
	return p.UTC().Format(time.RFC3339)
}
