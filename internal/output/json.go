package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
)

// jsonHead holds the document fields written before the results, in document order.
type jsonHead struct {
	SchemaVersion int             `json:"schema_version"`
	Tool          Tool            `json:"tool"`
	GeneratedAt   time.Time       `json:"generated_at"`
	Sources       []Source        `json:"sources"`
	WindowSeconds int64           `json:"window_seconds,omitempty"`
	Summary       finding.Summary `json:"summary"`
	Accounts      []Account       `json:"accounts,omitempty"`
	APICalls      map[string]int  `json:"api_calls,omitempty"`
}

// jsonTail holds the document fields written after the results.
type jsonTail struct {
	Filter   []finding.Status `json:"status_filter,omitempty"`
	Warnings []string         `json:"warnings,omitempty"`
}

func newJSON(Options) Formatter { return FormatterFunc(writeJSON) }

// writeJSON writes the document as indented JSON, one result at a time, so memory holds one
// encoded result rather than the whole encoded document. The bytes are the same as
// encoding the Document in one go.
func writeJSON(w io.Writer, doc *Document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)

	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonHead{doc.SchemaVersion, doc.Tool, doc.GeneratedAt, doc.Sources,
		doc.WindowSeconds, doc.Summary, doc.Accounts, doc.APICalls}); err != nil {
		return err
	}
	head := bytes.TrimSuffix(buf.Bytes(), []byte("\n}\n"))
	bw.Write(head)
	bw.WriteString(",\n  \"results\": [")

	enc.SetIndent("    ", "  ")
	for i := range doc.Results {
		buf.Reset()
		if err := enc.Encode(&doc.Results[i]); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if len(doc.Results) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')

	buf.Reset()
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonTail{doc.Filter, doc.Warnings}); err != nil {
		return err
	}
	if tail, ok := bytes.CutSuffix(buf.Bytes(), []byte("\n}\n")); ok {
		bw.WriteByte(',')
		bw.Write(tail[1:])
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}
