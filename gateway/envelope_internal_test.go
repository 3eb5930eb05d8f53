package gateway

import (
	"strings"
	"testing"
)

// TestReadFrom: one From field with one mailbox gives its address; two
// fields, a group or several mailboxes give none (never authentic).
func TestReadFrom(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"Alice <alice@coop.example>"}, "alice@coop.example"},
		{[]string{`"Dupont: Alice; R&D" <alice@coop.example>`}, "alice@coop.example"},
		{[]string{"alice@coop.example (Alice: R&D; team)"}, "alice@coop.example"},
		{[]string{"=?utf-8?q?Dupont=2C_Jean?= <alice@coop.example>"}, "alice@coop.example"},
		{[]string{"alice@coop.example", "alice@coop.example"}, ""},
		{[]string{"alice@coop.example", "mallory@evil.example"}, ""},
		{[]string{"members: alice@coop.example;"}, ""},
		{[]string{"members:alice@coop.example;"}, ""},
		{[]string{"Alice <alice@coop.example>, undisclosed:;"}, ""},
		{[]string{"alice@coop.example, mallory@evil.example"}, ""},
		{[]string{""}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got, _ := readFrom(tt.fields); got != tt.want {
			t.Errorf("readFrom(%q) = %q, want %q", tt.fields, got, tt.want)
		}
	}
}

func FuzzReadFrom(f *testing.F) {
	f.Add("Alice <alice@coop.example>", "")
	f.Add("members: alice@coop.example;", "")
	f.Add(`"a:b;c" <alice@coop.example> (x; y)`, "mallory@evil.example")
	f.Fuzz(func(t *testing.T, a, b string) {
		fields := []string{a}
		if b != "" {
			fields = append(fields, b)
		}
		addr, _ := readFrom(fields)
		if addr == "" {
			return
		}
		if len(fields) != 1 || hasGroup(a) || strings.Count(addr, "@") != 1 {
			t.Fatalf("readFrom(%q) = %q: not one mailbox of one field", fields, addr)
		}
	})
}
