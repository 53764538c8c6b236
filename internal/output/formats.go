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
	}
}
