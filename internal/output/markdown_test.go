package output

import "testing"

func TestMDCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{"two\nlines", "two lines"},
		{"crlf\r\nend", "crlf end"},
	}
	for _, tt := range tests {
		if got := mdCell(tt.in); got != tt.want {
			t.Errorf("mdCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMDFence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"echo hi", "```"},
		{"a ``` b", "````"},
		{"`````", "``````"},
	}
	for _, tt := range tests {
		if got := mdFence(tt.in); got != tt.want {
			t.Errorf("mdFence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
