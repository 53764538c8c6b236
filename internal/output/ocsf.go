package output

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// OCSFVersion is the OCSF schema version the ocsf format follows.
const OCSFVersion = "1.3.0"

// OCSF identifiers of a Compliance Finding that was created.
const (
	ocsfCategoryUID = 2    // Findings
	ocsfClassUID    = 2003 // Compliance Finding
	ocsfActivityID  = 1    // Create
	ocsfTypeUID     = ocsfClassUID*100 + ocsfActivityID
)

// ocsfEvent is one OCSF Compliance Finding.
type ocsfEvent struct {
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name"`
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name"`
	TypeUID      int    `json:"type_uid"`
	TypeName     string `json:"type_name"`
	// Time is the finding creation time, in epoch milliseconds as OCSF timestamps are.
	Time       int64  `json:"time"`
	SeverityID int    `json:"severity_id"`
	Severity   string `json:"severity"`
	StatusID   int    `json:"status_id"`
	Status     string `json:"status"`
	Message    string `json:"message"`

	Metadata    ocsfMetadata     `json:"metadata"`
	FindingInfo ocsfFindingInfo  `json:"finding_info"`
	Compliance  ocsfCompliance   `json:"compliance"`
	Resources   []ocsfResource   `json:"resources"`
	Cloud       ocsfCloud        `json:"cloud"`
	Remediation *ocsfRemediation `json:"remediation,omitempty"`
	Unmapped    ocsfUnmapped     `json:"unmapped"`
}

type ocsfMetadata struct {
	Version   string      `json:"version"`
	Product   ocsfProduct `json:"product"`
	EventCode string      `json:"event_code"`
	UID       string      `json:"uid"`
	Profiles  []string    `json:"profiles"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version"`
}

type ocsfFindingInfo struct {
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	Desc        string   `json:"desc"`
	Types       []string `json:"types"`
	CreatedTime int64    `json:"created_time"`
}

type ocsfCompliance struct {
	Standards    []string `json:"standards"`
	Requirements []string `json:"requirements"`
	Control      string   `json:"control"`
	StatusID     int      `json:"status_id"`
	Status       string   `json:"status"`
	StatusCode   string   `json:"status_code"`
	StatusDetail string   `json:"status_detail"`
}

type ocsfResource struct {
	UID            string            `json:"uid"`
	Name           string            `json:"name"`
	Type           string            `json:"type"`
	CloudPartition string            `json:"cloud_partition"`
	Region         string            `json:"region,omitempty"`
	Data           map[string]string `json:"data"`
}

type ocsfCloud struct {
	Provider string      `json:"provider"`
	Region   string      `json:"region,omitempty"`
	Account  ocsfAccount `json:"account"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	Name   string `json:"name,omitempty"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
}

type ocsfRemediation struct {
	Desc       string   `json:"desc"`
	References []string `json:"references"`
}

// ocsfUnmapped carries the keywarden evidence that OCSF has no attribute for.
type ocsfUnmapped struct {
	RuleID             string               `json:"rule_id"`
	Status             finding.Status       `json:"keywarden_status"`
	Reason             finding.Reason       `json:"reason"`
	KeySlot            *int                 `json:"key_slot,omitempty"`
	AccessKeyID        *string              `json:"access_key_id,omitempty"`
	KeyStatus          string               `json:"key_status,omitempty"`
	UserCreatedAt      *time.Time           `json:"user_created_at,omitempty"`
	KeyCreatedAt       *time.Time           `json:"key_created_at,omitempty"`
	SetupDeltaSeconds  *int64               `json:"setup_delta_seconds,omitempty"`
	KeyLastUsedAt      *time.Time           `json:"key_last_used_at,omitempty"`
	KeyLastUsedService string               `json:"key_last_used_service,omitempty"`
	KeyLastUsedRegion  string               `json:"key_last_used_region,omitempty"`
	PasswordEnabled    string               `json:"password_enabled,omitempty"`
	Commands           []string             `json:"remediation_commands,omitempty"`
	Source             finding.Source       `json:"source"`
	Notes              []string             `json:"notes,omitempty"`
	Suppression        *finding.Suppression `json:"suppression,omitempty"`
	RelatedControls    []string             `json:"related_controls,omitempty"`
	Account            *ocsfUnmappedAccount `json:"account_scan,omitempty"`
}

// ocsfUnmappedAccount repeats why an account could not be scanned.
type ocsfUnmappedAccount struct {
	ScanStatus string `json:"scan_status"`
	Error      string `json:"error,omitempty"`
	Fix        string `json:"fix,omitempty"`
}

// newOCSF writes every result as an OCSF Compliance Finding: one JSON array, or one object
// per line with Options.NDJSON.
func newOCSF(o Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		events := make([]ocsfEvent, 0, len(doc.Results))
		for i := range doc.Results {
			events = append(events, ocsfFinding(doc, &doc.Results[i], o.Region))
		}

		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if !o.NDJSON {
			enc.SetIndent("", "  ")
			return enc.Encode(events)
		}
		for i := range events {
			if err := enc.Encode(&events[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ocsfFinding maps one result.
func ocsfFinding(doc *Document, r *finding.Result, region string) ocsfEvent {
	def := definitionOf(r)
	created := doc.GeneratedAt.UnixMilli()
	sevID, sev := ocsfSeverity(r.Severity)
	statusID, status := 1, "New"
	if r.Status == finding.StatusMuted {
		statusID, status = 3, "Suppressed"
	}

	return ocsfEvent{
		ActivityID: ocsfActivityID, ActivityName: "Create",
		CategoryUID: ocsfCategoryUID, CategoryName: "Findings",
		ClassUID: ocsfClassUID, ClassName: "Compliance Finding",
		TypeUID: ocsfTypeUID, TypeName: "Compliance Finding: Create",
		Time:       created,
		SeverityID: sevID, Severity: sev,
		StatusID: statusID, Status: status,
		Message: r.Message,
		Metadata: ocsfMetadata{
			Version: OCSFVersion,
			Product: ocsfProduct{Name: doc.Tool.Name, VendorName: "keywarden project",
				Version: doc.Tool.Version},
			EventCode: r.RuleID,
			UID:       findingUID(r) + "-" + doc.GeneratedAt.UTC().Format("20060102T150405Z"),
			Profiles:  []string{"cloud"},
		},
		FindingInfo: ocsfFindingInfo{
			UID: findingUID(r), Title: def.Title, Desc: r.Message,
			Types: []string{asffType}, CreatedTime: created,
		},
		Compliance:  ocsfComplianceOf(r, def),
		Resources:   ocsfResources(r, region),
		Cloud:       ocsfCloudOf(doc, r, region),
		Remediation: ocsfRemediationOf(r, def),
		Unmapped:    ocsfEvidence(doc, r, def),
	}
}

// ocsfSeverity maps a severity to the OCSF severity_id and its caption.
func ocsfSeverity(s finding.Severity) (int, string) {
	switch s {
	case finding.SeverityHigh:
		return 4, "High"
	case finding.SeverityMedium:
		return 3, "Medium"
	case finding.SeverityLow:
		return 2, "Low"
	}
	return 1, "Informational"
}

// ocsfComplianceOf maps the CIS controls and the verdict; a muted result keeps the verdict
// it had, and the suppression shows in status_id of the event.
func ocsfComplianceOf(r *finding.Result, def rule.Definition) ocsfCompliance {
	cis := cisControls(def)
	c := ocsfCompliance{StatusCode: string(r.Status), StatusDetail: r.Message}
	for _, ctl := range cis {
		c.Requirements = append(c.Requirements, cisLabel(ctl))
	}
	if len(cis) > 0 {
		c.Standards = []string{cis[0].Framework}
	}
	for i, ctl := range uniqueControls(cis) {
		if i > 0 {
			c.Control += ", "
		}
		c.Control += ctl
	}

	switch verdict(r) {
	case finding.StatusPass:
		c.StatusID, c.Status = 1, "Pass"
	case finding.StatusReview:
		c.StatusID, c.Status = 2, "Warning"
	case finding.StatusFail:
		c.StatusID, c.Status = 3, "Fail"
	case finding.StatusNotApplicable:
		c.StatusID, c.Status = 99, "Not Applicable"
	default:
		c.StatusID, c.Status = 0, "Unknown"
	}
	return c
}

// ocsfResources lists the user and, for a key result, the key.
func ocsfResources(r *finding.Result, region string) []ocsfResource {
	if r.UserName == "" {
		return []ocsfResource{{
			UID:  "arn:" + partitionOf(r) + ":iam::" + r.AccountID + ":root",
			Name: r.AccountID, Type: "AWS::Account", CloudPartition: partitionOf(r),
			Region: region, Data: map[string]string{"account_id": r.AccountID},
		}}
	}

	typ := "AWS::IAM::User"
	if isRoot(r) {
		typ = "AWS::Account"
	}
	out := []ocsfResource{{
		UID: userARN(r), Name: r.UserName, Type: typ,
		CloudPartition: partitionOf(r), Region: region,
		Data: map[string]string{"account_id": r.AccountID, "path": userPath(r)},
	}}
	if r.IsKey() {
		data := map[string]string{"account_id": r.AccountID, "user_name": r.UserName,
			"status": r.KeyStatus}
		if r.KeySlot != nil {
			data["report_slot"] = strconv.Itoa(*r.KeySlot)
		}
		out = append(out, ocsfResource{
			UID: keyResourceID(r), Name: keyLabel(r), Type: "AWS::IAM::AccessKey",
			CloudPartition: partitionOf(r), Region: region, Data: data,
		})
	}
	return out
}

// ocsfCloudOf describes the account of r.
func ocsfCloudOf(doc *Document, r *finding.Result, region string) ocsfCloud {
	c := ocsfCloud{Provider: "AWS", Region: region,
		Account: ocsfAccount{UID: r.AccountID, Type: "AWS Account", TypeID: 10}}
	if a := accountOf(doc, r.AccountID); a != nil {
		c.Account.Name = a.Name
	}
	if r.AccountName != "" {
		c.Account.Name = r.AccountName
	}
	return c
}

// ocsfRemediationOf gives the fix of a failing result, or the rule's general advice.
func ocsfRemediationOf(r *finding.Result, def rule.Definition) *ocsfRemediation {
	desc := def.Remediation
	if r.Remediation != nil {
		desc = r.Remediation.Summary
	}
	return &ocsfRemediation{Desc: desc, References: def.References}
}

// ocsfEvidence keeps the evidence in unmapped.
func ocsfEvidence(doc *Document, r *finding.Result, def rule.Definition) ocsfUnmapped {
	u := ocsfUnmapped{
		RuleID: r.RuleID, Status: r.Status, Reason: r.Reason,
		KeySlot: r.KeySlot, AccessKeyID: r.AccessKeyID, KeyStatus: r.KeyStatus,
		UserCreatedAt: r.UserCreatedAt, KeyCreatedAt: r.KeyCreatedAt,
		SetupDeltaSeconds: r.SetupDeltaSeconds, KeyLastUsedAt: r.KeyLastUsedAt,
		KeyLastUsedService: r.KeyLastUsedService, KeyLastUsedRegion: r.KeyLastUsedRegion,
		PasswordEnabled: r.PasswordEnabled, Source: r.Source, Notes: r.Notes,
		Suppression: r.Suppression,
	}
	for _, c := range def.Compliance {
		if !strings.HasPrefix(c.Framework, "CIS ") {
			u.RelatedControls = append(u.RelatedControls, c.Framework+" "+c.Version+" "+c.Control)
		}
	}
	if r.Remediation != nil {
		u.Commands = r.Remediation.Commands
	}
	if a := accountOf(doc, r.AccountID); a != nil && a.ScanStatus == "error" {
		u.Account = &ocsfUnmappedAccount{ScanStatus: a.ScanStatus, Error: a.Error, Fix: a.Fix}
	}
	return u
}

// accountOf returns the account with the given ID from an organization scan, or nil.
func accountOf(doc *Document, id string) *Account {
	for i := range doc.Accounts {
		if doc.Accounts[i].ID == id {
			return &doc.Accounts[i]
		}
	}
	return nil
}
