package awsemu

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

const (
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	apiTime      = "2006-01-02T15:04:05Z"
)

// apiError is an AWS error response. Status 0 means the usual status of the code.
type apiError struct {
	Code    string
	Message string
	Status  int
}

// Error returns "Code: Message".
func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errf returns an apiError with a formatted message.
func errf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorStatus maps error codes to the HTTP status AWS answers them with.
var errorStatus = map[string]int{
	"AccessDenied":                      http.StatusForbidden,
	"InvalidClientTokenId":              http.StatusForbidden,
	"NoSuchEntity":                      http.StatusNotFound,
	"ReportInProgress":                  http.StatusNotFound,
	"ReportNotPresent":                  http.StatusGone,
	"ReportExpired":                     http.StatusGone,
	"LimitExceeded":                     http.StatusConflict,
	"EntityAlreadyExists":               http.StatusConflict,
	"DeleteConflict":                    http.StatusConflict,
	"ConcurrentModification":            http.StatusConflict,
	"ServiceFailure":                    http.StatusInternalServerError,
	"InternalFailure":                   http.StatusInternalServerError,
	"ServiceUnavailable":                http.StatusServiceUnavailable,
	"ServiceException":                  http.StatusInternalServerError,
	"UnrecognizedClientException":       http.StatusBadRequest,
	"AccessDeniedException":             http.StatusBadRequest,
	"AWSOrganizationsNotInUseException": http.StatusBadRequest,
}

// defaultMessages are used by injected faults that give no message.
var defaultMessages = map[string]string{
	"Throttling":                "Rate exceeded",
	"TooManyRequestsException":  "Rate exceeded",
	"ServiceFailure":            "Service failure",
	"ServiceException":          "Service failure",
	"AccessDenied":              "Access denied",
	"AccessDeniedException":     "You don't have permissions to access this resource.",
	"LimitExceeded":             "Limit exceeded",
	"ReportInProgress":          "Report generation in progress",
	"ReportNotPresent":          "Report not present",
	"ReportExpired":             "Report expired",
	"NoSuchEntity":              "The entity cannot be found.",
	"InvalidClientTokenId":      "The security token included in the request is invalid.",
	"ConcurrentModification":    "Concurrent modification",
	"ServiceUnavailable":        "Service unavailable",
	"EntityAlreadyExists":       "Entity already exists",
	"InvalidInput":              "Invalid input",
	"ValidationError":           "Validation error",
	"InvalidInputException":     "Invalid input",
	"UnknownOperationException": "Unknown operation",
}

func (e *apiError) status() int {
	if e.Status != 0 {
		return e.Status
	}
	if st, ok := errorStatus[e.Code]; ok {
		return st
	}
	return http.StatusBadRequest
}

// responseMetadata is the trailer of every Query protocol success response.
type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeQueryResult writes a Query protocol success envelope. A nil result writes only
// ResponseMetadata, as AWS does for operations without output.
func writeQueryResult(w http.ResponseWriter, ns, op, reqID string, result any) error {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	root := xml.StartElement{
		Name: xml.Name{Local: op + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}},
	}
	if err := enc.EncodeToken(root); err != nil {
		return fmt.Errorf("encode %s response: %w", op, err)
	}

	if result != nil {
		start := xml.StartElement{Name: xml.Name{Local: op + "Result"}}
		if err := enc.EncodeElement(result, start); err != nil {
			return fmt.Errorf("encode %s result: %w", op, err)
		}
	}
	meta := xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}
	if err := enc.EncodeElement(responseMetadata{RequestID: reqID}, meta); err != nil {
		return fmt.Errorf("encode %s metadata: %w", op, err)
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return fmt.Errorf("encode %s response: %w", op, err)
	}
	if err := enc.Flush(); err != nil {
		return fmt.Errorf("encode %s response: %w", op, err)
	}

	writeBody(w, "text/xml", reqID, http.StatusOK, buf.Bytes())
	return nil
}

// queryError is the Query protocol error envelope; RequestId is a sibling of Error.
type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeQueryError writes a Query protocol error.
func writeQueryError(w http.ResponseWriter, ns, reqID string, e *apiError) {
	typ := "Sender"
	if e.status() >= 500 {
		typ = "Receiver"
	}
	body, err := xml.Marshal(queryError{
		Xmlns:     ns,
		Type:      typ,
		Code:      e.Code,
		Message:   e.Message,
		RequestID: reqID,
	})
	if err != nil {
		body = []byte("<ErrorResponse/>")
	}
	writeBody(w, "text/xml", reqID, e.status(), body)
}

// writeJSONResult writes a JSON 1.1 protocol success response.
func writeJSONResult(w http.ResponseWriter, reqID string, result any) error {
	body, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode json result: %w", err)
	}
	writeBody(w, "application/x-amz-json-1.1", reqID, http.StatusOK, body)
	return nil
}

// writeJSONError writes a JSON 1.1 protocol error.
func writeJSONError(w http.ResponseWriter, reqID string, e *apiError) {
	body, err := json.Marshal(map[string]string{"__type": e.Code, "Message": e.Message})
	if err != nil {
		body = []byte(`{}`)
	}
	writeBody(w, "application/x-amz-json-1.1", reqID, e.status(), body)
}

func writeBody(w http.ResponseWriter, contentType, reqID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// formatAPITime formats a timestamp the way the Query protocol returns it.
func formatAPITime(t time.Time) string {
	return t.UTC().Format(apiTime)
}
