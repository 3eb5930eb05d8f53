// Package mailauth decides whether a message comes from the domain of its
// From address: it reads the Authentication-Results field of the receiving
// server strictly (RFC 8601) and verifies DKIM signatures (RFC 6376), with
// DMARC's relaxed alignment (RFC 7489). It imports nothing of roomgate.
package mailauth

import (
	"errors"
	"fmt"
	"strings"
)

// Results is one Authentication-Results field value (RFC 8601 §2.2).
type Results struct {
	// AuthservID names the server that wrote the field (§2.5).
	AuthservID string
	// Version is the authres-version, "" when absent (meaning 1).
	Version string
	// Results are the resinfo, in order; none for the "none" form (§2.2).
	Results []Result
}

// Result is one resinfo: method[/version]=result [reason=…] ptype.property=pvalue…
type Result struct {
	Method        string // lower case, e.g. "dmarc"
	MethodVersion string // "" when absent
	Value         string // lower case, e.g. "pass"
	Reason        string // the reasonspec's value, "" when absent
	Props         []Property
}

// Property is one propspec, e.g. header.from=coop.example (RFC 8601 §2.3).
type Property struct {
	Type  string // lower case ptype, e.g. "header"
	Name  string // lower case property, e.g. "from"
	Value string // the pvalue: a token, a quoted string's content, or an addr-spec / @domain
}

// Prop returns the value of the first property ptype.name ("" when absent)
// and how many times it occurs.
func (r Result) Prop(ptype, name string) (string, int) {
	v, n := "", 0
	for _, p := range r.Props {
		if p.Type == ptype && p.Name == name {
			if n == 0 {
				v = p.Value
			}
			n++
		}
	}
	return v, n
}

// maxField bounds the field value parsed, and maxResults its resinfo.
const (
	maxField   = 64 << 10
	maxResults = 100
)

// ErrSyntax is wrapped by every error of Parse.
var ErrSyntax = errors.New("Authentication-Results syntax error")

// Parse reads an Authentication-Results field value strictly, per the ABNF
// of RFC 8601 §2.2:
//
//	authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
//	                  ( no-result / 1*resinfo ) [CFWS] CRLF
//	no-result  = [CFWS] ";" [CFWS] "none"
//	resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//	methodspec = [CFWS] method [CFWS] "=" [CFWS] result
//	method     = Keyword [ [CFWS] "/" [CFWS] method-version ]
//	reasonspec = "reason" [CFWS] "=" [CFWS] value
//	propspec   = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//	pvalue     = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
//
// where value is RFC 2045's token or quoted-string, Keyword is RFC 5321's
// Ldh-str, and CFWS, quoted-string and comments (nested, with quoted
// pairs) are RFC 5322 §3.2. Comments are dropped; quoted strings are
// unquoted. Any syntax error refuses the whole field: text that an
// attacker slipped into a comment or a quoted string (an envelope sender,
// a HELO name) is never read as a result. Folding line breaks are allowed
// where RFC 5322 allows white space.
func Parse(field string) (*Results, error) {
	if len(field) > maxField {
		return nil, fmt.Errorf("%w: field longer than %d octets", ErrSyntax, maxField)
	}
	p := &parser{s: field}
	res, err := p.payload()
	if err != nil {
		return nil, fmt.Errorf("%w: %w (at octet %d)", ErrSyntax, err, p.i)
	}
	return res, nil
}

type parser struct {
	s string
	i int
	// quotesInComments reads a quoted string inside a comment as one, as
	// some writers mean it (see parseUnambiguous); RFC 5322 does not.
	quotesInComments bool
	// texts collects the content of every quoted string and comment, and
	// spans the text of every resinfo, for parseUnambiguous.
	texts, spans []string
	// start and end delimit the current resinfo, from its method to its
	// last value, comments and white space around it excluded.
	start, end int
}

func (p *parser) payload() (*Results, error) {
	res := &Results{}
	if err := p.cfws(); err != nil {
		return nil, err
	}
	id, err := p.value()
	if err != nil {
		return nil, fmt.Errorf("authserv-id: %w", err)
	}
	res.AuthservID = id
	sp, err := p.cfwsSeen()
	if err != nil {
		return nil, err
	}
	if sp && isDigit(p.peek()) {
		res.Version = p.digits()
		if err := p.cfws(); err != nil {
			return nil, err
		}
	}
	if p.peek() != ';' {
		return nil, errors.New(`";" expected after the authserv-id`)
	}
	if p.noResult() {
		return res, nil
	}
	for p.peek() == ';' {
		if len(res.Results) == maxResults {
			return nil, fmt.Errorf("more than %d results", maxResults)
		}
		p.i++
		r, err := p.resinfo()
		if err != nil {
			return nil, err
		}
		res.Results = append(res.Results, r)
		p.spans = append(p.spans, p.s[p.start:p.end])
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q", p.s[p.i:p.i+1])
	}
	return res, nil
}

// noResult reads the "none" form when it is there, up to the end.
func (p *parser) noResult() bool {
	save := p.i
	p.i++
	if p.cfws() == nil && p.keywordFold() == "none" && p.cfws() == nil && p.i == len(p.s) {
		return true
	}
	p.i = save
	return false
}

// keywordFold reads a Keyword in lower case, "" when there is none.
func (p *parser) keywordFold() string {
	k, err := p.keyword()
	if err != nil {
		return ""
	}
	return strings.ToLower(k)
}

func (p *parser) resinfo() (Result, error) {
	var r Result
	if err := p.cfws(); err != nil {
		return r, err
	}
	p.start = p.i
	m, err := p.keyword()
	if err != nil {
		return r, fmt.Errorf("method: %w", err)
	}
	r.Method = strings.ToLower(m)
	if err := p.cfws(); err != nil {
		return r, err
	}
	if p.peek() == '/' {
		p.i++
		if err := p.cfws(); err != nil {
			return r, err
		}
		if r.MethodVersion = p.digits(); r.MethodVersion == "" {
			return r, errors.New("method-version expected")
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
	}
	if err := p.expect('='); err != nil {
		return r, fmt.Errorf("method %s: %w", r.Method, err)
	}
	if err := p.cfws(); err != nil {
		return r, err
	}
	v, err := p.keyword()
	if err != nil {
		return r, fmt.Errorf("result of %s: %w", r.Method, err)
	}
	r.Value = strings.ToLower(v)
	p.end = p.i
	return r, p.resinfoTail(&r)
}

// resinfoTail reads the optional reasonspec and the propspecs, each after
// CFWS, up to the next ";" or the end.
func (p *parser) resinfoTail(r *Result) error {
	for first := true; ; first = false {
		sp, err := p.cfwsSeen()
		if err != nil {
			return err
		}
		if p.i == len(p.s) || p.peek() == ';' {
			return nil
		}
		if !sp {
			return fmt.Errorf("white space or comment expected before %q", p.s[p.i:p.i+1])
		}
		k, err := p.keyword()
		if err != nil {
			return fmt.Errorf("property of %s: %w", r.Method, err)
		}
		if err := p.cfws(); err != nil {
			return err
		}
		if first && strings.EqualFold(k, "reason") && p.peek() == '=' {
			p.i++
			if err := p.cfws(); err != nil {
				return err
			}
			if r.Reason, err = p.value(); err != nil {
				return fmt.Errorf("reason of %s: %w", r.Method, err)
			}
			p.end = p.i
			continue
		}
		prop, err := p.propspec(k)
		if err != nil {
			return fmt.Errorf("property %s of %s: %w", k, r.Method, err)
		}
		r.Props = append(r.Props, prop)
		p.end = p.i
	}
}

// propspec reads the rest of a propspec after its ptype and CFWS.
func (p *parser) propspec(ptype string) (Property, error) {
	prop := Property{Type: strings.ToLower(ptype)}
	if err := p.expect('.'); err != nil {
		return prop, err
	}
	if err := p.cfws(); err != nil {
		return prop, err
	}
	name, err := p.keyword()
	if err != nil {
		return prop, err
	}
	prop.Name = strings.ToLower(name)
	if err := p.cfws(); err != nil {
		return prop, err
	}
	if err := p.expect('='); err != nil {
		return prop, err
	}
	if err := p.cfws(); err != nil {
		return prop, err
	}
	prop.Value, err = p.pvalue()
	return prop, err
}

// pvalue reads value / [ [ local-part ] "@" ] domain-name (RFC 8601
// §2.2), local-part being RFC 5322's dot-atom or quoted-string and
// domain-name RFC 6376's.
func (p *parser) pvalue() (string, error) {
	switch c := p.peek(); {
	case c == '"':
		q, err := p.quoted()
		if err != nil || p.peek() != '@' {
			return q, err
		}
		p.i++
		d, err := p.domainName()
		return quoteLocal(q) + "@" + d, err
	case c == '@':
		p.i++
		d, err := p.domainName()
		return "@" + d, err
	}
	start := p.i
	for p.i < len(p.s) && (isAtext(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	if p.peek() == '@' && start < p.i {
		local := p.s[start:p.i]
		if !dotAtom(local) {
			return "", fmt.Errorf("bad local-part %q", local)
		}
		p.i++
		d, err := p.domainName()
		return local + "@" + d, err
	}
	p.i = start
	return p.token()
}

// quoteLocal writes a quoted local-part back in quoted form.
func quoteLocal(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// domainName reads RFC 6376's domain-name: sub-domain 1*("." sub-domain),
// each sub-domain a Let-dig [Ldh-str].
func (p *parser) domainName() (string, error) {
	start := p.i
	labels := 0
	for {
		if _, err := p.keyword(); err != nil {
			return "", fmt.Errorf("domain-name: %w", err)
		}
		labels++
		if p.peek() != '.' {
			break
		}
		p.i++
	}
	if labels < 2 {
		return "", errors.New("domain-name needs two labels or more")
	}
	return p.s[start:p.i], nil
}

// value reads RFC 2045's value: token / quoted-string.
func (p *parser) value() (string, error) {
	if p.peek() == '"' {
		return p.quoted()
	}
	return p.token()
}

// token reads RFC 2045's token: 1*<any CHAR except SPACE, CTLs, tspecials>.
func (p *parser) token() (string, error) {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", errors.New("token expected")
	}
	return p.s[start:p.i], nil
}

// keyword reads RFC 5321's Ldh-str: Let-dig *(ALPHA / DIGIT / "-")
// ending with a Let-dig.
func (p *parser) keyword() (string, error) {
	start := p.i
	for p.i < len(p.s) && (isLetDig(p.s[p.i]) || p.s[p.i] == '-') {
		p.i++
	}
	k := p.s[start:p.i]
	if k == "" || k[0] == '-' || k[len(k)-1] == '-' {
		p.i = start
		return "", errors.New("keyword expected")
	}
	return k, nil
}

// quoted reads an RFC 5322 §3.2.4 quoted-string (after any CFWS) and
// returns its content, quoted pairs resolved and folding removed.
func (p *parser) quoted() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			p.texts = append(p.texts, b.String())
			return b.String(), nil
		case c == '\\':
			if p.i+1 == len(p.s) || !isQuotable(p.s[p.i+1]) {
				return "", errors.New("bad quoted-pair")
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case c == '\r' || c == '\n':
			if !p.fold() {
				return "", errors.New("line break in a quoted string")
			}
		case c == ' ' || c == '\t' || isVchar(c):
			b.WriteByte(c)
			p.i++
		default:
			return "", fmt.Errorf("control character %#x in a quoted string", c)
		}
	}
	return "", errors.New("unterminated quoted string")
}

// cfws skips optional CFWS (RFC 5322 §3.2.2).
func (p *parser) cfws() error {
	_, err := p.cfwsSeen()
	return err
}

// cfwsSeen skips optional CFWS and reports whether there was any.
func (p *parser) cfwsSeen() (bool, error) {
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t':
			p.i++
		case c == '\r' || c == '\n':
			if !p.fold() {
				return false, errors.New("line break not followed by white space")
			}
		case c == '(':
			if err := p.comment(); err != nil {
				return false, err
			}
		default:
			return p.i > start, nil
		}
	}
	return p.i > start, nil
}

// fold consumes a folding line break (CRLF or a bare LF, then WSP).
func (p *parser) fold() bool {
	j := p.i
	if p.s[j] == '\r' {
		j++
	}
	if j < len(p.s) && p.s[j] == '\n' {
		j++
	}
	if j == p.i || j == len(p.s) || (p.s[j] != ' ' && p.s[j] != '\t') {
		return false
	}
	p.i = j
	return true
}

// maxDepth bounds the nesting of comments.
const maxDepth = 32

// comment skips one comment: "(" *([FWS] ccontent) [FWS] ")", ccontent
// being ctext, a quoted-pair or a nested comment. A quoted string has no
// meaning inside a comment: a '"' there is ctext.
func (p *parser) comment() error {
	depth, start := 0, p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"' && p.quotesInComments:
			if _, err := p.quoted(); err != nil {
				return fmt.Errorf("in a comment: %w", err)
			}
		case c == '(':
			if depth++; depth > maxDepth {
				return errors.New("comments nested too deep")
			}
			p.i++
		case c == ')':
			p.i++
			if depth--; depth == 0 {
				p.texts = append(p.texts, p.s[start+1:p.i-1])
				return nil
			}
		case c == '\\':
			if p.i+1 == len(p.s) || !isQuotable(p.s[p.i+1]) {
				return errors.New("bad quoted-pair in a comment")
			}
			p.i += 2
		case c == '\r' || c == '\n':
			if !p.fold() {
				return errors.New("line break in a comment")
			}
		case c == ' ' || c == '\t' || isVchar(c):
			p.i++
		default:
			return fmt.Errorf("control character %#x in a comment", c)
		}
	}
	return errors.New("unterminated comment")
}

func (p *parser) digits() string {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *parser) expect(c byte) error {
	if p.peek() != c {
		if p.i == len(p.s) {
			return fmt.Errorf("%q expected, end of field", c)
		}
		return fmt.Errorf("%q expected, got %q", c, p.s[p.i:p.i+1])
	}
	p.i++
	return nil
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetDig(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isVchar(c byte) bool  { return '!' <= c && c <= '~' }

// isQuotable: quoted-pair = "\" (VCHAR / WSP) (RFC 5322 §3.2.1).
func isQuotable(c byte) bool { return isVchar(c) || c == ' ' || c == '\t' }

// isTokenChar: RFC 2045 §5.1, printable ASCII but tspecials.
func isTokenChar(c byte) bool {
	return isVchar(c) && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
}

// isAtext: RFC 5322 §3.2.3.
func isAtext(c byte) bool {
	return isLetDig(c) || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", rune(c))
}

// dotAtom checks dot-atom-text: 1*atext *("." 1*atext).
func dotAtom(s string) bool {
	for _, a := range strings.Split(s, ".") {
		if a == "" {
			return false
		}
	}
	return true
}
