package ical

import (
	"reflect"
	"strings"
	"testing"
)

func TestUnfold(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"crlf", "A:1\r\nB:2\r\n", []string{"A:1", "B:2"}},
		{"lf only", "A:1\nB:2\n", []string{"A:1", "B:2"}},
		{"space continuation", "UID:0400\r\n 0082\r\n\t00E0\r\nB:2", []string{"UID:0400008200E0", "B:2"}},
		{"bom", "\xef\xbb\xbfA:1\r\n", []string{"A:1"}},
		{"empty lines skipped", "A:1\r\n\r\n\r\nB:2", []string{"A:1", "B:2"}},
		{"continuation keeps inner spaces", "S:a\r\n  b", []string{"S:a b"}},
		{"leading continuation ignored", " x\r\nA:1", []string{"A:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unfold([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("unfold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   *Property
		errMsg string
	}{
		{
			name: "plain",
			line: "summary:Hello: world",
			want: &Property{Name: "SUMMARY", Value: "Hello: world"},
		},
		{
			name: "quoted params and lists",
			line: `ATTENDEE;cn="Martin, Alice";DELEGATED-TO="mailto:a@x","mailto:b@x";RSVP=TRUE:mailto:zoom@coop.example`,
			want: &Property{Name: "ATTENDEE", Value: "mailto:zoom@coop.example", Params: []Param{
				{Name: "CN", Values: []string{"Martin, Alice"}},
				{Name: "DELEGATED-TO", Values: []string{"mailto:a@x", "mailto:b@x"}},
				{Name: "RSVP", Values: []string{"TRUE"}},
			}},
		},
		{
			name: "sent-by quoted mailto",
			line: `ORGANIZER;CN=Alice;SENT-BY="mailto:bob@coop.example":mailto:alice@coop.example`,
			want: &Property{Name: "ORGANIZER", Value: "mailto:alice@coop.example", Params: []Param{
				{Name: "CN", Values: []string{"Alice"}},
				{Name: "SENT-BY", Values: []string{"mailto:bob@coop.example"}},
			}},
		},
		{
			name: "empty value",
			line: "LOCATION:",
			want: &Property{Name: "LOCATION", Value: ""},
		},
		{name: "no colon", line: "Join Zoom Meeting", errMsg: "no property name or no ':'"},
		{name: "bad name", line: "A B:c", errMsg: "invalid property name"},
		{name: "unterminated quote", line: `A;CN="x:y`, errMsg: "unterminated quoted parameter value"},
		{name: "param without value", line: "A;CN:y", errMsg: "invalid parameter"},
		{name: "params without colon", line: "A;CN=x", errMsg: "missing ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := parseLine(tt.line)
			if msg != tt.errMsg {
				t.Fatalf("parseLine(%q) error %q, want %q", tt.line, msg, tt.errMsg)
			}
			if tt.want == nil {
				return
			}
			if got.String() != tt.line {
				t.Errorf("String() = %q, want the line unchanged", got.String())
			}
			got.raw = ""
			for i := range got.Params {
				got.Params[i].raw = ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestPropertyAccessors(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantAddr string
		wantCN   string
		wantText string
	}{
		{"mailto lower", "ATTENDEE;CN=Zoom:mailto:Zoom@Coop.Example", "zoom@coop.example", "Zoom", "mailto:Zoom@Coop.Example"},
		{"MAILTO upper", `ATTENDEE;CN="Zoom Room":MAILTO:zoom@coop.example`, "zoom@coop.example", "Zoom Room", "MAILTO:zoom@coop.example"},
		{"no mailto", "ORGANIZER;CN=Zoom:no-reply@zoom.us", "no-reply@zoom.us", "Zoom", "no-reply@zoom.us"},
		{"spaces", "ATTENDEE:  mailto: zoom@coop.example ", "zoom@coop.example", "", "  mailto: zoom@coop.example "},
		{"text escapes", `SUMMARY:a\, b\; c\nd\\e\N`, `a\, b\; c\nd\\e\n`, "", "a, b; c\nd\\e\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, msg := parseLine(tt.line)
			if msg != "" {
				t.Fatal(msg)
			}
			if got := p.Address(); got != tt.wantAddr {
				t.Errorf("Address() = %q, want %q", got, tt.wantAddr)
			}
			if got := p.CommonName(); got != tt.wantCN {
				t.Errorf("CommonName() = %q, want %q", got, tt.wantCN)
			}
			if got := p.Text(); got != tt.wantText {
				t.Errorf("Text() = %q, want %q", got, tt.wantText)
			}
		})
	}
}

func TestParamString(t *testing.T) {
	tests := []struct {
		name string
		in   Param
		want string
	}{
		{"simple", Param{Name: "PARTSTAT", Values: []string{"ACCEPTED"}}, "PARTSTAT=ACCEPTED"},
		{"quoted", Param{Name: "CN", Values: []string{"Martin, Alice"}}, `CN="Martin, Alice"`},
		{"list", Param{Name: "MEMBER", Values: []string{"mailto:a@x", "b"}}, `MEMBER="mailto:a@x",b`},
		{"dquote replaced", Param{Name: "CN", Values: []string{`say "hi"`}}, `CN=say 'hi'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseComponentErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "ical: line 0: no BEGIN line"},
		{"no end", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "ical: line 2: missing END:VCALENDAR"},
		{"mismatched end", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "ical: line 3: unexpected END:VCALENDAR"},
		{"property outside", "VERSION:2.0\r\nBEGIN:VCALENDAR\r\n", "ical: line 1: property outside any component"},
		{"bad begin", "BEGIN;X=\"a:VCALENDAR\r\n", "ical: line 1: unterminated quoted parameter value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseComponent([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestLenientParams: a parameter with text after its closing quote is
// read as lenient parsers do, and the line is written anew, well formed.
func TestLenientParams(t *testing.T) {
	p, msg := parseLine(`ATTENDEE;CN="Salle "Opteos;ROLE=REQ-PARTICIPANT:mailto:zoom@coop.example`)
	if msg != "" {
		t.Fatalf("parseLine: %s", msg)
	}
	if got := p.Param("CN"); got != "Salle Opteos" {
		t.Errorf("CN = %q", got)
	}
	if m, err := p.Mailbox(); err != nil || m != "zoom@coop.example" {
		t.Errorf("Mailbox = %q, %v", m, err)
	}
	if got, want := p.String(), `ATTENDEE;CN=Salle Opteos;ROLE=REQ-PARTICIPANT:mailto:zoom@coop.example`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	cal, err := Parse([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20261201T100000Z\r\n"+
		"ATTENDEE;CN=\"unterminated:mailto:zoom@coop.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Unreadable) != 1 || !strings.Contains(cal.Unreadable[0], "zoom@coop.example") {
		t.Errorf("Unreadable = %q, want the ATTENDEE line", cal.Unreadable)
	}
}
