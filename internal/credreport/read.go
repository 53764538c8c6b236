package credreport

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// maxEnvelope bounds how much of an AWS CLI JSON document is read into memory. Reports are at
// most a few megabytes for the 5,000-user quota.
const maxEnvelope = 512 << 20

// ReadFile opens and reads the report at path.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open credential report: %w", err)
	}
	defer f.Close()

	return Read(path, f)
}

// Read parses one credential report from r. The path names it in errors and results. The
// input may be raw CSV, the AWS CLI JSON form, or either compressed with gzip.
func Read(path string, r io.Reader) (*Report, error) {
	var rows []Row
	rep, err := Stream(path, r, func(_ *Report, row *Row) error {
		rows = append(rows, *row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Rows = rows
	return rep, nil
}

// Stream reads a credential report like Read but hands each row to fn instead of keeping it,
// so memory does not grow with the report. The row is valid only during the call; the report
// passed along carries the account, partition and GeneratedTime known so far (GeneratedTime
// is known before the first row). An error from fn stops the read and is returned as is.
// The report returned at the end has no rows, but has every warning.
func Stream(path string, r io.Reader, fn func(*Report, *Row) error) (*Report, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	format := "csv"

	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ParseError{Path: path, Err: fmt.Errorf("%w: %v", ErrEnvelope, err)}
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
		format = "csv+gzip"
	}

	if err := sniff(path, br); err != nil {
		return nil, err
	}
	if firstByte(br) == '{' {
		return readCLIJSON(path, br, "aws-cli-json"+format[len("csv"):], fn)
	}
	return streamCSV(path, br, format, nil, fn)
}

// streamCSV parses CSV from r with a report that knows its format and GeneratedTime before
// the first row reaches fn.
func streamCSV(path string, r io.Reader, format string, generated *time.Time,
	fn func(*Report, *Row) error) (*Report, error) {
	rep := &Report{Path: path, Format: format, GeneratedTime: generated}
	return parseStream(path, r, func(row *Row) error { return fn(rep, row) }, rep)
}

// sniff rejects inputs that are recognisably not a credential report, with a message that
// says what they are.
func sniff(path string, br *bufio.Reader) error {
	head, _ := br.Peek(2)
	var what string
	switch {
	case len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
		what = "gzip inside gzip: expected one layer of compression"
	case len(head) == 2 && (head[0] == 0xff && head[1] == 0xfe ||
		head[0] == 0xfe && head[1] == 0xff):
		what = "UTF-16 text: expected UTF-8, as AWS writes it"
	case firstByte(br) == '[':
		what = "a JSON array: expected the CSV, or the JSON object printed by " +
			"aws iam get-credential-report"
	default:
		return nil
	}
	return &ParseError{Path: path, Err: fmt.Errorf("%w: %s", ErrEnvelope, what)}
}

// firstByte returns the first byte that is not white space among the next 64, or 0.
func firstByte(br *bufio.Reader) byte {
	b, _ := br.Peek(64)
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}

// cliEnvelope is the document `aws iam get-credential-report --output json` prints.
type cliEnvelope struct {
	Content       *string `json:"Content"`
	ReportFormat  string  `json:"ReportFormat"`
	GeneratedTime string  `json:"GeneratedTime"`
}

// readCLIJSON decodes the AWS CLI JSON form and parses the CSV inside it.
func readCLIJSON(path string, r io.Reader, format string,
	fn func(*Report, *Row) error) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxEnvelope))
	if err != nil {
		return nil, &ParseError{Path: path, Err: fmt.Errorf("%w: %v", ErrEnvelope, err)}
	}

	var env cliEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, &ParseError{Path: path, Err: fmt.Errorf(
			"%w: decode AWS CLI JSON: %v", ErrEnvelope, err)}
	}
	if env.Content == nil {
		return nil, &ParseError{Path: path, Column: "Content", Err: fmt.Errorf(
			"%w: missing field: expected the output of aws iam get-credential-report",
			ErrEnvelope)}
	}
	if env.ReportFormat != "" && env.ReportFormat != "text/csv" {
		return nil, &ParseError{Path: path, Column: "ReportFormat", Err: fmt.Errorf(
			"%w: got %q, expected text/csv", ErrEnvelope, env.ReportFormat)}
	}

	csvData, err := base64.StdEncoding.DecodeString(*env.Content)
	if err != nil {
		return nil, &ParseError{Path: path, Column: "Content", Err: fmt.Errorf(
			"%w: expected base64: %v", ErrEnvelope, err)}
	}

	var generated *time.Time
	if env.GeneratedTime != "" {
		t, err := time.Parse(time.RFC3339, env.GeneratedTime)
		if err != nil {
			return nil, &ParseError{Path: path, Column: "GeneratedTime", Err: fmt.Errorf(
				"%w %q: expected RFC 3339 such as 2025-01-29T16:46:14Z", ErrTimestamp,
				env.GeneratedTime)}
		}
		t = t.UTC()
		generated = &t
	}

	return streamCSV(path, bytes.NewReader(csvData), format, generated, fn)
}
