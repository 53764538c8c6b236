package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// ASFFBatchSize is the most findings one securityhub BatchImportFindings call accepts.
const ASFFBatchSize = 100

// asffType is the finding type of every result, from the ASFF types taxonomy.
const asffType = "Software and Configuration Checks/Industry and Regulatory Standards/" +
	"CIS AWS Foundations Benchmark"

// Limits of ASFF string fields, in characters.
const (
	asffDescriptionMax = 1024
	asffTextMax        = 512
)

// defaultASFFRegion is used for product ARNs when Options.Region is empty.
const defaultASFFRegion = "us-east-1"

// asffTime is the timestamp form Security Hub documents: RFC 3339 in UTC with milliseconds.
const asffTime = "2006-01-02T15:04:05.000Z"

// asffFinding is one AWS Security Finding Format finding.
type asffFinding struct {
	SchemaVersion string            `json:"SchemaVersion"`
	ID            string            `json:"Id"`
	ProductArn    string            `json:"ProductArn"`
	ProductName   string            `json:"ProductName"`
	CompanyName   string            `json:"CompanyName"`
	GeneratorID   string            `json:"GeneratorId"`
	AwsAccountID  string            `json:"AwsAccountId"`
	Types         []string          `json:"Types"`
	CreatedAt     string            `json:"CreatedAt"`
	UpdatedAt     string            `json:"UpdatedAt"`
	Severity      asffSeverity      `json:"Severity"`
	Title         string            `json:"Title"`
	Description   string            `json:"Description"`
	Remediation   asffRemediation   `json:"Remediation"`
	ProductFields map[string]string `json:"ProductFields"`
	Resources     []asffResource    `json:"Resources"`
	Compliance    asffCompliance    `json:"Compliance"`
	RecordState   string            `json:"RecordState"`
	Workflow      asffWorkflow      `json:"Workflow"`
	Note          *asffNote         `json:"Note,omitempty"`
}

type asffSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original"`
}

type asffRemediation struct {
	Recommendation asffRecommendation `json:"Recommendation"`
}

type asffRecommendation struct {
	Text string `json:"Text"`
	URL  string `json:"Url"`
}

type asffResource struct {
	Type      string       `json:"Type"`
	ID        string       `json:"Id"`
	Partition string       `json:"Partition"`
	Region    string       `json:"Region"`
	Details   *asffDetails `json:"Details,omitempty"`
}

type asffDetails struct {
	AwsIamAccessKey *asffAccessKey `json:"AwsIamAccessKey,omitempty"`
	AwsIamUser      *asffUser      `json:"AwsIamUser,omitempty"`
}

type asffAccessKey struct {
	UserName      string `json:"UserName"`
	Status        string `json:"Status"`
	CreatedAt     string `json:"CreatedAt,omitempty"`
	AccessKeyID   string `json:"AccessKeyId,omitempty"`
	AccountID     string `json:"AccountId"`
	PrincipalName string `json:"PrincipalName"`
	PrincipalType string `json:"PrincipalType"`
}

type asffUser struct {
	UserName   string `json:"UserName"`
	CreateDate string `json:"CreateDate,omitempty"`
	Path       string `json:"Path"`
}

type asffCompliance struct {
	Status              string   `json:"Status"`
	RelatedRequirements []string `json:"RelatedRequirements"`
}

type asffWorkflow struct {
	Status string `json:"Status"`
}

type asffNote struct {
	Text      string `json:"Text"`
	UpdatedBy string `json:"UpdatedBy"`
	UpdatedAt string `json:"UpdatedAt"`
}

// newASFF writes every result as an ASFF finding for
// `aws securityhub batch-import-findings`.
//
// Security Hub takes at most ASFFBatchSize findings per call, and with the default product
// ARN each finding must belong to the calling account. Findings of one account, up to
// ASFFBatchSize, are written as one indented JSON array, which --findings takes as it is.
// Anything else is split into batches of one account and at most ASFFBatchSize findings,
// one compact JSON array per line, so each line can be fed to one call made with that
// account's credentials:
//
//	while read -r batch; do
//	  aws securityhub batch-import-findings --findings "$batch"
//	done < findings.asff
//
// With Options.NDJSON the line-per-batch form is used whatever the count.
//
// Finding IDs derive from the rule, account, user and key (ID, or report slot offline), never
// from the time, so importing a later scan updates the same findings.
func newASFF(o Options) Formatter {
	region := o.Region
	if region == "" {
		region = defaultASFFRegion
	}
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		batches := asffBatches(doc, region)

		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if !o.NDJSON && len(batches) <= 1 {
			enc.SetIndent("", "  ")
			if len(batches) == 0 {
				return enc.Encode([]asffFinding{})
			}
			return enc.Encode(batches[0])
		}
		for _, b := range batches {
			if err := enc.Encode(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// asffBatches groups the findings by account, in document order, into batches of at most
// ASFFBatchSize.
func asffBatches(doc *Document, region string) [][]asffFinding {
	var batches [][]asffFinding
	byAccount := map[string]int{} // account -> index of its open batch
	for i := range doc.Results {
		f := asffOf(doc, &doc.Results[i], region)
		at, ok := byAccount[f.AwsAccountID]
		if !ok || len(batches[at]) == ASFFBatchSize {
			batches = append(batches, nil)
			at = len(batches) - 1
			byAccount[f.AwsAccountID] = at
		}
		batches[at] = append(batches[at], f)
	}
	return batches
}

// asffOf maps one result.
func asffOf(doc *Document, r *finding.Result, region string) asffFinding {
	def := definitionOf(r)
	at := doc.GeneratedAt.UTC().Format(asffTime)
	f := asffFinding{
		SchemaVersion: "2018-10-08",
		ID:            findingName(r),
		ProductArn: fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default",
			partitionOf(r), region, r.AccountID, r.AccountID),
		ProductName:   "keywarden",
		CompanyName:   "keywarden",
		GeneratorID:   r.RuleID,
		AwsAccountID:  r.AccountID,
		Types:         []string{asffType},
		CreatedAt:     at,
		UpdatedAt:     at,
		Severity:      asffSeverity{Label: asffSeverityLabel(r), Original: string(r.Severity)},
		Title:         def.Title,
		Description:   truncate(r.Message+". "+def.Description, asffDescriptionMax),
		Remediation:   asffRemediationOf(r, def),
		ProductFields: asffProductFields(r),
		Resources:     asffResources(r, region),
		Compliance:    asffComplianceOf(r, def),
		RecordState:   "ACTIVE",
		Workflow:      asffWorkflow{Status: asffWorkflowStatus(r)},
	}
	if s := r.Suppression; s != nil {
		by := s.Owner
		if by == "" {
			by = "keywarden"
		}
		text := fmt.Sprintf("muted until %s: %s", s.Expires, s.Reason)
		f.Note = &asffNote{
			Text:      truncate(text, asffTextMax),
			UpdatedBy: by,
			UpdatedAt: at,
		}
	}
	return f
}

// asffSeverityLabel maps the severity; only fail results carry more than informational.
func asffSeverityLabel(r *finding.Result) string {
	switch r.Severity {
	case finding.SeverityHigh:
		return "HIGH"
	case finding.SeverityMedium:
		return "MEDIUM"
	case finding.SeverityLow:
		return "LOW"
	}
	return "INFORMATIONAL"
}

// asffComplianceOf maps the verdict: a muted result keeps the verdict it had, and its
// workflow says it is suppressed.
func asffComplianceOf(r *finding.Result, def rule.Definition) asffCompliance {
	c := asffCompliance{Status: "NOT_AVAILABLE"}
	switch verdict(r) {
	case finding.StatusFail:
		c.Status = "FAILED"
	case finding.StatusReview:
		c.Status = "WARNING"
	case finding.StatusPass:
		c.Status = "PASSED"
	}
	for _, ctl := range cisControls(def) {
		c.RelatedRequirements = append(c.RelatedRequirements, cisLabel(ctl))
	}
	return c
}

// asffWorkflowStatus is SUPPRESSED for muted results, RESOLVED for results that need nothing
// and NEW otherwise.
func asffWorkflowStatus(r *finding.Result) string {
	switch r.Status {
	case finding.StatusMuted:
		return "SUPPRESSED"
	case finding.StatusPass, finding.StatusNotApplicable:
		return "RESOLVED"
	}
	return "NEW"
}

// asffRemediationOf gives the fix of the result, or the rule's advice.
func asffRemediationOf(r *finding.Result, def rule.Definition) asffRemediation {
	text := def.Remediation
	if r.Remediation != nil {
		text = r.Remediation.Summary
	}
	url := ""
	if len(def.References) > 0 {
		url = def.References[0]
	}
	return asffRemediation{Recommendation: asffRecommendation{
		Text: truncate(text, asffTextMax), URL: url,
	}}
}

// asffProductFields carries the evidence Security Hub has no field for.
func asffProductFields(r *finding.Result) map[string]string {
	m := map[string]string{
		"keywarden/status": string(r.Status),
		"keywarden/reason": string(r.Reason),
		"keywarden/source": sourceName(r.Source),
	}
	put := func(k, v string) {
		if v != "" {
			m["keywarden/"+k] = v
		}
	}
	put("key_slot", intPtr(r.KeySlot))
	put("setup_delta_seconds", int64Ptr(r.SetupDeltaSeconds))
	put("key_last_used_at", timePtr(r.KeyLastUsedAt))
	put("key_last_used_service", r.KeyLastUsedService)
	put("password_enabled", r.PasswordEnabled)
	if r.Remediation != nil {
		for i, c := range r.Remediation.Commands {
			put("fix_command_"+strconv.Itoa(i+1), c)
		}
	}
	return m
}

// asffResources lists the key, when there is one, then the user.
func asffResources(r *finding.Result, region string) []asffResource {
	part := partitionOf(r)
	if r.UserName == "" || isRoot(r) {
		return []asffResource{{Type: "AwsAccount", ID: "AWS::::Account:" + r.AccountID,
			Partition: part, Region: region}}
	}

	var out []asffResource
	if r.IsKey() {
		key := &asffAccessKey{
			UserName: r.UserName, Status: r.KeyStatus, CreatedAt: asffTimePtr(r.KeyCreatedAt),
			AccessKeyID: strPtr(r.AccessKeyID), AccountID: r.AccountID,
			PrincipalName: r.UserName, PrincipalType: "IAMUser",
		}
		out = append(out, asffResource{Type: "AwsIamAccessKey", ID: keyResourceID(r),
			Partition: part, Region: region, Details: &asffDetails{AwsIamAccessKey: key}})
	}
	user := &asffUser{UserName: r.UserName, CreateDate: asffTimePtr(r.UserCreatedAt),
		Path: userPath(r)}
	return append(out, asffResource{Type: "AwsIamUser", ID: userARN(r), Partition: part,
		Region: region, Details: &asffDetails{AwsIamUser: user}})
}

func asffTimePtr(p *time.Time) string {
	if p == nil {
		return ""
	}
	return p.UTC().Format(asffTime)
}

// truncate cuts s to at most n characters, ending with "..." when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-3]) + "..."
}
