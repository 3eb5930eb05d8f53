package gateway

import (
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/ical"
)

// envelope is what roomgate reads from a message's header. Every value is
// checked: none can carry a line break or control character into a header,
// a recipient list or the database.
type envelope struct {
	MessageID  string   // with angle brackets; "" when absent or malformed
	References []string // the valid msg-ids of References, in order
	Subject    string   // decoded, printable
	// From is the address of the From field when it is exactly one
	// mailbox that passes ical.ParseMailbox, else "".
	From string
	// FromText is what the From field claims, printable, for logs.
	FromText      string
	AutoSubmitted string // lower case, "" when absent
	// List is set for mail from a mailing list or marked bulk (RFC 2369,
	// RFC 2919, and the Precedence field), which gets no automatic answer
	// (RFC 3834 §2).
	List bool
}

// maxMsgID bounds a message identifier read from input.
const maxMsgID = 250

// maxReferences bounds the identifiers kept from References: the first
// (the thread's root) and the latest ones (RFC 5322 §3.6.4).
const maxReferences = 8

// readEnvelope reads the fields roomgate uses from a header.
func readEnvelope(h textproto.Header) envelope {
	env := envelope{
		MessageID:     firstMsgID(h.Get("Message-Id")),
		References:    msgIDs(h.Get("References")),
		Subject:       printable(decodeHeader(h.Get("Subject"))),
		AutoSubmitted: strings.ToLower(strings.TrimSpace(printable(h.Get("Auto-Submitted")))),
	}
	env.From, env.FromText = readFrom(h.Values("From"))
	prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	env.List = h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" || h.Get("List-Post") != "" ||
		prec == "bulk" || prec == "list" || prec == "junk"
	return env
}

// addressParser reads address lists whose display names may be encoded
// words in any charset; a name like =?utf-8?q?Dupont=2C_Jean?= stays one
// name, since words are decoded after the list is split.
var addressParser = &mail.AddressParser{WordDecoder: headerDecoder}

// readFrom returns the From address when the header holds exactly one
// From field (RFC 5322 §3.6) and it holds exactly one mailbox, not a group,
// and a printable rendering of what the fields claim. Two From fields, or a
// group ("members: a@coop.example;", which net/mail flattens into its
// members), are never one sender: no address, so never authentic.
func readFrom(fields []string) (addr, text string) {
	if len(fields) == 0 {
		return "", ""
	}
	v := unfoldHeader(strings.Join(fields, ", "))
	text = printable(decodeHeader(v))
	if len(fields) != 1 || hasGroup(v) {
		return "", text
	}
	list, err := addressParser.ParseList(v)
	if err != nil || len(list) != 1 {
		return "", text
	}
	a, err := ical.ParseMailbox(list[0].Address)
	if err != nil {
		return "", text
	}
	return a, a
}

// hasGroup reports whether an address list holds a ":" or ";" outside
// quoted strings, comments and domain literals: group syntax (RFC 5322
// §3.4), which a mailbox never has there.
func hasGroup(v string) bool {
	depth, quoted, literal := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && (quoted || depth > 0):
			i++
		case quoted:
			quoted = c != '"'
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '"':
			quoted = true
		case c == '[':
			literal = true
		case c == ']':
			literal = false
		case (c == ':' || c == ';') && !literal:
			return true
		}
	}
	return false
}

// unfoldHeader removes the line breaks of a folded field (RFC 5322 §2.2.3).
func unfoldHeader(v string) string { return lineBreaks.Replace(v) }

// lineBreaks removes line breaks.
var lineBreaks = strings.NewReplacer("\r\n", "", "\n", "", "\r", "")

// msgIDs returns the valid message identifiers of a field such as
// References (RFC 5322 §3.6.4): each "<id-left@id-right>" of printable
// ASCII without white space, at most maxMsgID octets; the others are
// dropped. At most maxReferences are kept: the first and the last ones.
func msgIDs(v string) []string {
	var ids []string
	for _, f := range strings.Fields(unfoldHeader(v)) {
		if id, ok := validMsgID(f); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1], ids[len(ids)-maxReferences+1:]...)
	}
	return ids
}

// firstMsgID returns the field's identifier when it holds one valid
// msg-id and nothing else (a comment aside is not expected here).
func firstMsgID(v string) string {
	fs := strings.Fields(unfoldHeader(v))
	if len(fs) != 1 {
		return ""
	}
	id, _ := validMsgID(fs[0])
	return id
}

// validMsgID checks one "<…@…>" token.
func validMsgID(s string) (string, bool) {
	if len(s) < 5 || len(s) > maxMsgID || s[0] != '<' || s[len(s)-1] != '>' {
		return "", false
	}
	in := s[1 : len(s)-1]
	at := strings.LastIndexByte(in, '@')
	if at <= 0 || at == len(in)-1 {
		return "", false
	}
	for i := 0; i < len(in); i++ {
		if c := in[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return "", false
		}
	}
	return s, true
}
