package output

// Formats returns the table of output formats. Every format is listed here once.
func Formats() []Format {
	return []Format{
		{Name: "text", Description: "fail and review results as a table, then a summary",
			New: newText},
		{Name: "json", Description: "the versioned keywarden JSON document (docs/json-schema.md)",
			New: newJSON},
		{Name: "csv", Description: "one row per result, with the evidence columns",
			New: newCSV},
		{Name: "sarif", Description: "SARIF 2.1.0 for code scanning dashboards",
			New: newSARIF},
		{Name: "ocsf", Description: "OCSF " + OCSFVersion + " Compliance Findings (JSON array, " +
			"or one per line with --ndjson)", New: newOCSF},
		{Name: "asff", Description: "AWS Security Finding Format for securityhub " +
			"batch-import-findings (batches of 100 per line when larger)", New: newASFF},
		{Name: "junit", Description: "JUnit XML: a testsuite per account, a testcase per key",
			New: newJUnit},
		{Name: "html", Description: "one self-contained HTML report for auditors",
			New: newHTML},
		{Name: "markdown", Description: "counts, fail and review results and fix commands " +
			"for pull requests and tickets", New: newMarkdown},
	}
}
