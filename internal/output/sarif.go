package output

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// sarifFingerprint names the partial fingerprint that keeps a result's identity across runs.
const sarifFingerprint = "keywardenFinding/v1"

// newSARIF writes a SARIF 2.1.0 log with one run.
//
// IAM users have no source file, so results are placed with logical locations: the account,
// the user ARN under it, and the key (ID, or report slot) under the user. Every result also
// has a physical location, which code scanning services require: the credential report
// file the evidence came from, or for live results a relative path naming the resource,
// aws/ACCOUNT/iam/user/NAME.
//
// The statuses map to SARIF as follows: fail is an error; review a warning; muted keeps the
// level of the verdict it had and carries an accepted external suppression; error becomes
// kind "open" (the rule could not decide) and pass kind "pass", both with level "none" as
// SARIF requires for kinds other than fail. not_applicable results are left out.
func newSARIF(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		rep := report.NewV210Report()
		run := sarifRun(doc)
		rep.AddRun(run)

		locs := newSARIFLocations(run)
		for i := range doc.Results {
			r := &doc.Results[i]
			if r.Status == finding.StatusNotApplicable {
				continue
			}
			run.AddResult(sarifResult(r, locs))
		}

		if err := rep.PrettyWrite(w); err != nil {
			return fmt.Errorf("write sarif: %w", err)
		}
		_, err := io.WriteString(w, "\n")
		return err
	})
}

// sarifRun describes the tool, the rule and the invocation.
func sarifRun(doc *Document) *sarif.Run {
	driver := sarif.NewToolComponent().
		WithName(doc.Tool.Name).
		WithVersion(doc.Tool.Version).
		WithSemanticVersion(strings.TrimPrefix(doc.Tool.Version, "v")).
		WithInformationURI("https://github.com/keywarden/keywarden")
	for _, d := range rule.Definitions() {
		driver.AddRule(sarifRule(d))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	for _, a := range doc.Accounts {
		if a.ScanStatus != "error" {
			continue
		}
		inv.WithExecutionSuccessful(false)
		msg := fmt.Sprintf("account %s could not be scanned: %s", a.ID, a.Error)
		if a.Fix != "" {
			msg += "; fix: " + a.Fix
		}
		n := sarif.NewNotification().WithMessage(sarif.NewTextMessage(msg))
		n.Level = sarif.LevelError
		inv.AddToolExecutionNotification(n)
	}

	run := sarif.NewRun().WithTool(sarif.NewTool().WithDriver(driver))
	run.AddInvocation(inv)
	return run
}

// sarifRule documents a rule from its definition, the one source of rule text.
func sarifRule(d rule.Definition) *sarif.ReportingDescriptor {
	props := sarif.NewPropertyBag().
		Add("security-severity", "5.5").
		Add("precision", "high").
		Add("problem.severity", "error")
	props.AddTag("security")
	props.AddTag("aws")
	props.AddTag("iam")
	for _, c := range cisControls(d) {
		props.AddTag(fmt.Sprintf("CIS-AWS-%s/%s", c.Version, c.Control))
	}

	cfg := sarif.NewReportingConfiguration().WithLevel(sarif.LevelError)
	return sarif.NewRule(d.ID).
		WithName("IAMUserSetupAccessKey").
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(d.Title)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(d.Description)).
		WithHelp(sarif.NewMultiformatMessageString().
			WithText(ruleHelpText(d)).
			WithMarkdown(ruleHelpMarkdown(d))).
		WithHelpURI(d.References[0]).
		WithDefaultConfiguration(cfg).
		WithProperties(props)
}

// ruleHelpText is the plain help of a rule.
func ruleHelpText(d rule.Definition) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\nRemediation: %s\n\nCompliance:\n", d.Rationale, d.Visibility,
		d.Remediation)
	for _, c := range d.Compliance {
		fmt.Fprintf(&b, "- %s %s: %s\n", c.Framework, c.Version, c.Control)
	}
	return b.String()
}

// ruleHelpMarkdown is the help of a rule for viewers that render Markdown.
func ruleHelpMarkdown(d rule.Definition) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\n## Verdicts\n\n| Status | Reason | Meaning |\n|---|---|---|\n",
		d.Rationale, d.Visibility)
	for _, dec := range d.Decisions {
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", dec.Status, dec.Reason, mdCell(dec.Text))
	}
	fmt.Fprintf(&b, "\n## Remediation\n\n%s\n\n## Compliance\n\n", d.Remediation)
	for _, c := range d.Compliance {
		fmt.Fprintf(&b, "- %s %s: %s\n", c.Framework, c.Version, c.Control)
	}
	b.WriteString("\n## References\n\n")
	for _, ref := range d.References {
		fmt.Fprintf(&b, "- <%s>\n", ref)
	}
	return b.String()
}

// sarifResult maps one result.
func sarifResult(r *finding.Result, locs *sarifLocations) *sarif.Result {
	res := sarif.NewRuleResult(r.RuleID).
		WithRuleIndex(0).
		WithMessage(sarif.NewTextMessage(sarifMessage(r))).
		WithPartialFingerprints(map[string]string{sarifFingerprint: findingUID(r)})
	res.Kind, res.Level = sarifKindLevel(r)

	uri := resourcePath(r)
	if p := r.Source.Path; p != "" && p != "-" {
		uri = artifactURI(p)
	}
	res.AddLocation(sarif.NewLocation().
		AddLogicalLocation(locs.add(r)).
		WithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri))))

	if s := r.Suppression; s != nil {
		sup := sarif.NewSuppression().
			WithKind("external").
			WithStatus("accepted").
			WithJustification(s.Reason).
			WithProperties(sarif.NewPropertyBag().
				Add("owner", s.Owner).Add("expires", s.Expires).Add("entry", s.Entry))
		res.AddSuppression(sup)
	}
	return res.WithProperties(sarifEvidence(r))
}

// sarifKindLevel maps a status to the SARIF kind and level.
func sarifKindLevel(r *finding.Result) (string, string) {
	switch r.Status {
	case finding.StatusPass:
		return "pass", sarif.LevelNone
	case finding.StatusError:
		return "open", sarif.LevelNone
	}
	if verdict(r) == finding.StatusReview {
		return "fail", sarif.LevelWarning
	}
	return "fail", sarif.LevelError
}

// sarifMessage is the result message, with the fix when there is one.
func sarifMessage(r *finding.Result) string {
	msg := r.Message
	if r.Remediation != nil {
		msg += ". Fix: " + r.Remediation.Summary
	}
	return msg
}

// sarifEvidence carries the evidence as result properties.
func sarifEvidence(r *finding.Result) *sarif.PropertyBag {
	p := sarif.NewPropertyBag()
	for _, f := range evidenceFields(r) {
		p.Add(f.name, f.value)
	}
	switch r.Severity {
	case finding.SeverityHigh:
		p.Add("security-severity", "8.0")
	case finding.SeverityMedium:
		p.Add("security-severity", "5.5")
	case finding.SeverityLow:
		p.Add("security-severity", "3.0")
	}
	if r.Remediation != nil {
		p.Add("remediation_commands", r.Remediation.Commands)
	}
	if len(r.Notes) > 0 {
		p.Add("notes", r.Notes)
	}
	return p
}

// resourcePath names a live result's resource as a relative path, aws/ACCOUNT/iam/user/NAME:
// code scanning services such as GitHub's need a physical location on every result and
// accept only relative paths.
func resourcePath(r *finding.Result) string {
	p := "aws/" + r.AccountID
	switch {
	case r.UserName == "<root_account>":
		p += "/iam/root"
	case r.UserName != "":
		p += "/iam/user/" + r.UserName
	}
	return p
}

// artifactURI turns a file path into a SARIF URI: relative paths stay relative.
func artifactURI(p string) string {
	if filepath.IsAbs(p) {
		return "file://" + filepath.ToSlash(p)
	}
	return filepath.ToSlash(p)
}

// sarifLocations builds the run's logical location tree: account, user, key.
type sarifLocations struct {
	run   *sarif.Run
	index map[string]int
}

func newSARIFLocations(run *sarif.Run) *sarifLocations {
	return &sarifLocations{run: run, index: map[string]int{}}
}

// add makes sure the locations of r exist and returns a reference to the most specific.
func (l *sarifLocations) add(r *finding.Result) *sarif.LogicalLocation {
	name := "account " + r.AccountID
	fqn := r.AccountID
	i := l.node(fqn, name, "namespace", -1)
	if r.UserName != "" {
		name, fqn = r.UserName, userARN(r)
		i = l.node(fqn, name, "resource", i)
	}
	if r.IsKey() {
		name, fqn = keyLabel(r), keyLocator(r)
		i = l.node(fqn, name, "resource", i)
	}
	return sarif.NewLogicalLocation().
		WithIndex(i).
		WithName(name).
		WithFullyQualifiedName(fqn)
}

// node returns the index of the location fqn, adding it under parent when new.
func (l *sarifLocations) node(fqn, name, kind string, parent int) int {
	if i, ok := l.index[fqn]; ok {
		return i
	}
	i := len(l.run.LogicalLocations)
	ll := sarif.NewLogicalLocation().
		WithIndex(i).
		WithName(name).
		WithFullyQualifiedName(fqn).
		WithKind(kind)
	if parent >= 0 {
		ll.WithParentIndex(parent)
	}
	l.run.AddLogicalLocation(ll)
	l.index[fqn] = i
	return i
}
