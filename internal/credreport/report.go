package credreport

import "time"

// Markers that stand in for a timestamp or a boolean in a credential report.
const (
	// NA means the value does not apply: no password, no key, or a key never used.
	NA = "N/A"
	// NoInformation means AWS has no record, such as a password never used.
	NoInformation = "no_information"
	// NotSupported means the field does not exist for this row, such as root password fields
	// in older reports.
	NotSupported = "not_supported"
)

// RootUser is the user name of the account root row.
const RootUser = "<root_account>"

// Time is a credential report timestamp field: either a time or one of the markers.
type Time struct {
	// T is the time in UTC; zero when Marker is set.
	T time.Time
	// Marker is NA, NoInformation or NotSupported when the field holds no time.
	Marker string
}

// Valid reports whether the field holds a time.
func (t Time) Valid() bool { return t.Marker == "" && !t.T.IsZero() }

// String returns the time in RFC 3339, or the marker.
func (t Time) String() string {
	if t.Valid() {
		return t.T.Format(time.RFC3339)
	}
	return t.Marker
}

// Key is one access key slot of a row.
type Key struct {
	// Active is access_key_N_active: the slot holds a key whose status is Active.
	Active bool
	// LastRotated is access_key_N_last_rotated. Real reports keep it for inactive keys and it
	// equals the key's CreateDate, so keywarden reads it as the creation time.
	LastRotated Time
	// LastUsed is access_key_N_last_used_date; N/A when never used or before 2015-04-22.
	LastUsed Time
	// LastUsedRegion and LastUsedService are the raw fields, N/A included.
	LastUsedRegion  string
	LastUsedService string
}

// Present reports whether the slot holds a key, active or not.
func (k Key) Present() bool { return k.Active || k.LastRotated.Valid() }

// Row is one user of a credential report.
type Row struct {
	// Line is the 1-based CSV line the row starts on.
	Line int
	User string
	ARN  string
	// UserCreated is user_creation_time; for the root row it is the account's creation.
	UserCreated time.Time
	// PasswordEnabled is "true", "false" or "not_supported", in lower case.
	PasswordEnabled      string
	PasswordLastUsed     Time
	PasswordLastChanged  Time
	PasswordNextRotation Time
	// MFAActive is "true", "false" or empty when the column is absent.
	MFAActive string
	// Keys holds slot 1 at index 0 and slot 2 at index 1.
	Keys [2]Key
}

// IsRoot reports whether the row is the account root.
func (r *Row) IsRoot() bool { return r.User == RootUser }

// Report is one parsed credential report.
type Report struct {
	// Path is where the report was read from, "-" for standard input.
	Path string
	// Format is "csv" or "aws-cli-json", with "+gzip" when compressed.
	Format string
	// GeneratedTime is known only for the AWS CLI JSON form and live API reads.
	GeneratedTime *time.Time
	// AccountID and Partition come from the ARNs of the rows.
	AccountID string
	Partition string
	Rows      []Row
	// Warnings are problems that do not stop evaluation, such as duplicate users.
	Warnings []string
}
