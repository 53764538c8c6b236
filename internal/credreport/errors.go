package credreport

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by every ParseError. Callers test them with errors.Is.
var (
	// ErrEmpty means the input holds no header line, or a header and no rows.
	ErrEmpty = errors.New("empty report: expected an IAM credential report")
	// ErrMissingColumn means a column the rule needs is absent from the header.
	ErrMissingColumn = errors.New("missing required column")
	// ErrFieldCount means a row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrTimestamp means a timestamp field could not be parsed.
	ErrTimestamp = errors.New("invalid timestamp")
	// ErrValue means a boolean, marker or ARN field holds an unexpected value.
	ErrValue = errors.New("invalid value")
	// ErrSyntax means the CSV itself is malformed, such as a stray quote.
	ErrSyntax = errors.New("malformed CSV")
	// ErrEnvelope means a gzip stream or an AWS CLI JSON document could not be decoded.
	ErrEnvelope = errors.New("invalid report envelope")
	// ErrRead means the bytes could not be read, such as a truncated gzip stream.
	ErrRead = errors.New("read failed")
)

// Kinds lists every sentinel a ParseError can wrap.
var Kinds = []error{
	ErrEmpty, ErrMissingColumn, ErrFieldCount, ErrTimestamp, ErrValue, ErrSyntax, ErrEnvelope,
	ErrRead,
}

// ParseError reports a problem at one place of one credential report.
type ParseError struct {
	// Path is the file name, or "-" for standard input.
	Path string
	// Line is the 1-based line of the CSV, or 0 when the problem is not on one line.
	Line int
	// Column is the header name of the field at fault, or empty.
	Column string
	// Err is one of the sentinels, possibly wrapped with detail.
	Err error
}

// Error formats the error as "path:line: column "name": detail".
func (e *ParseError) Error() string {
	msg := e.Path
	if e.Line > 0 {
		msg += fmt.Sprintf(":%d", e.Line)
	}
	msg += ": "
	if e.Column != "" {
		msg += fmt.Sprintf("column %q: ", e.Column)
	}
	return msg + e.Err.Error()
}

// Unwrap returns the underlying sentinel.
func (e *ParseError) Unwrap() error { return e.Err }
