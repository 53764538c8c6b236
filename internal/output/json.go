package output

import (
	"encoding/json"
	"io"
)

func newJSON(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(doc)
	})
}
