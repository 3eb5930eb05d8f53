package ical

import (
	"bytes"
	"errors"
	"strings"
)

// Limits that keep hostile input cheap.
const (
	maxDepth      = 16      // nesting of BEGIN/END
	maxProperties = 100_000 // content lines per calendar
)

// Property is one content line (RFC 5545 §3.1): NAME;PARAM=v1,"v2":VALUE.
type Property struct {
	Name   string  // upper-cased
	Params []Param // in order
	Value  string  // raw value as in the file (still escaped for TEXT)

	raw string // the unfolded line as received, "" if built in code
}

// Param is one property parameter (RFC 5545 §3.2).
type Param struct {
	Name   string   // upper-cased
	Values []string // unquoted

	raw string // NAME=value text as received, "" if built in code
}

// Component is a BEGIN/END block (RFC 5545 §3.4, §3.6) such as VEVENT or
// VTIMEZONE, with its properties and sub-components in file order.
type Component struct {
	Name     string // upper-cased
	Props    []*Property
	Children []*Component
}

// Param returns the first value of the parameter name (case-insensitive), or
// "" if p has no such parameter.
func (p *Property) Param(name string) string {
	if p == nil {
		return ""
	}
	for _, q := range p.Params {
		if strings.EqualFold(q.Name, name) && len(q.Values) > 0 {
			return q.Values[0]
		}
	}
	return ""
}

// Address returns the calendar user address of an ORGANIZER or ATTENDEE
// (RFC 5545 §3.3.3): the value without a "mailto:" prefix in any case,
// trimmed and lower-cased. A value without "mailto:" (Zoom writes
// "no-reply@zoom.us") is returned the same way.
func (p *Property) Address() string {
	if p == nil {
		return ""
	}
	v := strings.TrimSpace(p.Value)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = strings.TrimSpace(v[7:])
	}
	return strings.ToLower(v)
}

// CommonName returns the CN parameter (RFC 5545 §3.2.2), or "".
func (p *Property) CommonName() string { return p.Param("CN") }

// Text returns the value unescaped as a TEXT value (RFC 5545 §3.3.11).
func (p *Property) Text() string {
	if p == nil {
		return ""
	}
	return unescapeText(p.Value)
}

// String returns the unfolded content line, without line ending. A
// property parsed from a file and not changed since is returned exactly as
// received.
func (p *Property) String() string {
	if p.raw != "" {
		return p.raw
	}
	var b strings.Builder
	b.WriteString(p.Name)
	for _, q := range p.Params {
		b.WriteByte(';')
		b.WriteString(q.String())
	}
	b.WriteByte(':')
	b.WriteString(p.Value)
	return b.String()
}

// String returns the parameter as NAME=value[,value], quoting values that
// hold ':', ';' or ',' (RFC 5545 §3.2). A parameter parsed from a file is
// returned exactly as received.
func (q Param) String() string {
	if q.raw != "" {
		return q.raw
	}
	var b strings.Builder
	b.WriteString(q.Name)
	b.WriteByte('=')
	for i, v := range q.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		v = strings.ReplaceAll(v, `"`, "'") // DQUOTE cannot be escaped
		if strings.ContainsAny(v, ":;,") {
			v = `"` + v + `"`
		}
		b.WriteString(v)
	}
	return b.String()
}

// Prop returns the first property called name (upper case), or nil.
func (c *Component) Prop(name string) *Property {
	for _, p := range c.Props {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// PropsNamed returns every property called name (upper case), in order.
func (c *Component) PropsNamed(name string) []*Property {
	var out []*Property
	for _, p := range c.Props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// unfold splits data into logical lines (RFC 5545 §3.1): CRLF or LF ends a
// line, and a line starting with a space or tab continues the previous one.
// A leading UTF-8 byte-order mark is dropped. Empty lines are skipped.
func unfold(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var lines []string
	var cur strings.Builder
	have := false
	for _, l := range bytes.Split(data, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
			if have {
				cur.Write(l[1:])
			}
			continue
		}
		if have && cur.Len() > 0 {
			lines = append(lines, cur.String())
		}
		cur.Reset()
		cur.Write(l)
		have = true
	}
	if have && cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// parseLine parses one unfolded content line (RFC 5545 §3.1).
func parseLine(line string) (*Property, string) {
	i := strings.IndexAny(line, ";:")
	if i <= 0 {
		return nil, "no property name or no ':'"
	}
	name := line[:i]
	if !validName(name) {
		return nil, "invalid property name"
	}
	p := &Property{Name: strings.ToUpper(name), raw: line}
	rest := line[i:]
	for rest[0] == ';' {
		q, n, msg := parseParam(rest[1:])
		if msg != "" {
			return nil, msg
		}
		if q.raw == "" {
			p.raw = "" // a parameter was repaired: the line is written anew
		}
		p.Params = append(p.Params, q)
		rest = rest[1+n:]
		if rest == "" {
			return nil, "missing ':'"
		}
	}
	p.Value = rest[1:]
	return p, ""
}

// parseParam parses NAME=v1,"v2" at the start of s and returns it with the
// number of bytes consumed (up to the next ';' or ':').
func parseParam(s string) (Param, int, string) {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 || !validName(s[:eq]) {
		return Param{}, 0, "invalid parameter"
	}
	q := Param{Name: strings.ToUpper(s[:eq])}
	i, repaired := eq+1, false
	for {
		v, n, msg := parseParamValue(s[i:])
		if msg != "" {
			return Param{}, 0, msg
		}
		repaired = repaired || (strings.HasPrefix(s[i:], `"`) && s[i+n-1] != '"')
		q.Values = append(q.Values, v)
		i += n
		if i >= len(s) {
			return Param{}, 0, "missing ':'"
		}
		if s[i] != ',' {
			break
		}
		i++
	}
	if !repaired { // a repaired value is written anew, well formed
		q.raw = s[:i]
	}
	return q, i, ""
}

// parseParamValue reads one parameter value, quoted or not. Text after
// the closing quote, up to the next delimiter (CN="a"b), is kept in the
// value, as libical does, rather than losing the whole line.
func parseParamValue(s string) (string, int, string) {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", 0, "unterminated quoted parameter value"
		}
		v, n := s[1:1+end], end+2
		if more := strings.IndexAny(s[n:], ",;:"); more > 0 {
			v, n = v+s[n:n+more], n+more
		}
		return v, n, ""
	}
	end := strings.IndexAny(s, ",;:")
	if end < 0 {
		return "", 0, "missing ':'"
	}
	return s[:end], end, ""
}

// validName reports whether s is an iana-token or x-name (RFC 5545 §3.1):
// letters, digits and '-'.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// maxUnreadable bounds the unreadable lines kept for callers.
const maxUnreadable = 50

// parseComponent reads the first top-level component of data (normally
// VCALENDAR). Content after its END is ignored. A line that is not a valid
// content line is skipped (clients emit unescaped newlines in DESCRIPTION),
// unless it looks like BEGIN or END; the first skipped lines are returned,
// so that a caller can tell when one of them mattered.
func parseComponent(data []byte) (*Component, []string, error) {
	lines := unfold(data)
	if len(lines) > maxProperties {
		return nil, nil, &SyntaxError{Line: maxProperties, Msg: "too many lines"}
	}
	var stack []*Component
	var skipped []string
	for n, line := range lines {
		p, msg := parseLine(line)
		if msg != "" {
			if isBeginEnd(line) {
				return nil, skipped, &SyntaxError{Line: n + 1, Msg: msg}
			}
			if len(skipped) < maxUnreadable {
				skipped = append(skipped, line)
			}
			continue
		}
		done, err := applyLine(&stack, p, n+1)
		if err != nil || done != nil {
			return done, skipped, err
		}
	}
	if len(stack) == 0 {
		return nil, skipped, &SyntaxError{Line: len(lines), Msg: "no BEGIN line"}
	}
	return nil, skipped, &SyntaxError{Line: len(lines), Msg: "missing END:" + stack[0].Name}
}

// isBeginEnd reports whether a line starts with BEGIN or END.
func isBeginEnd(line string) bool {
	u := strings.ToUpper(line)
	return strings.HasPrefix(u, "BEGIN") || strings.HasPrefix(u, "END")
}

// applyLine adds one parsed line to the component stack. It returns the
// top-level component once its END is read.
func applyLine(stack *[]*Component, p *Property, n int) (*Component, error) {
	s := *stack
	switch p.Name {
	case "BEGIN":
		if len(s) >= maxDepth {
			return nil, &SyntaxError{Line: n, Msg: "components nested too deep"}
		}
		c := &Component{Name: strings.ToUpper(strings.TrimSpace(p.Value))}
		if !validName(c.Name) {
			return nil, &SyntaxError{Line: n, Msg: "invalid component name"}
		}
		if len(s) > 0 {
			top := s[len(s)-1]
			top.Children = append(top.Children, c)
		}
		*stack = append(s, c)
	case "END":
		if len(s) == 0 || !strings.EqualFold(strings.TrimSpace(p.Value), s[len(s)-1].Name) {
			return nil, &SyntaxError{Line: n, Msg: "unexpected END:" + p.Value}
		}
		*stack = s[:len(s)-1]
		if len(s) == 1 {
			return s[0], nil
		}
	default:
		if len(s) == 0 {
			return nil, &SyntaxError{Line: n, Msg: "property outside any component"}
		}
		top := s[len(s)-1]
		top.Props = append(top.Props, p)
	}
	return nil, nil
}

// unescapeText undoes TEXT escaping (RFC 5545 §3.3.11): \\ \; \, \n \N.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default: // \\ \; \, and lenient for anything else
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// textEscaper escapes a TEXT value (RFC 5545 §3.3.11). A Replacer is
// safe for concurrent use, and building one costs more than most of the
// replacements it makes: it is built once.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string { return textEscaper.Replace(s) }

// Mailbox reads the value of an ORGANIZER or ATTENDEE as exactly one
// mailbox (see ParseCalAddress).
func (p *Property) Mailbox() (string, error) {
	if p == nil {
		return "", errors.New("no address")
	}
	return ParseCalAddress(p.Value)
}

// SentBy reads the SENT-BY parameter (RFC 5545 §3.2.18) as one mailbox;
// "" when absent.
func (p *Property) SentBy() (string, error) {
	v := p.Param("SENT-BY")
	if v == "" {
		return "", nil
	}
	return ParseCalAddress(v)
}
