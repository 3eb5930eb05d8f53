package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// composeWithGoMessage is compose's body as it was written before
// mimeParts, with go-message's writer: the reference composeBody must
// match byte for byte.
func composeWithGoMessage(h gomail.Header, in composeInput) []byte {
	var b bytes.Buffer
	w, err := message.CreateWriter(&b, h.Header)
	if err != nil {
		panic(err)
	}
	writePart(w, "text/plain; charset=UTF-8", "quoted-printable", []byte(crlf(in.Text.Text)))
	if in.Text.HTML != "" {
		writePart(w, "text/html; charset=UTF-8", "quoted-printable", []byte(crlf(in.Text.HTML)))
	}
	if in.Calendar != nil {
		method := in.Method
		if method == "" {
			method = "REPLY"
		}
		writePart(w, "text/calendar; method="+method+"; charset=UTF-8", "base64", in.Calendar)
	}
	w.Close()
	return b.Bytes()
}

// quotedPrintableWriter is what mime/quotedprintable's Writer makes of
// crlf(s), the reference of appendQuotedPrintable.
func quotedPrintableWriter(s string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(crlf(s)))
	w.Close()
	return b.Bytes()
}

// randomText is a text made to find the corners of quoted-printable: line
// breaks of every kind, spaces and tabs before them, "=", bytes that are
// not ASCII, control characters, and runs long enough to be broken.
func randomText(r *rand.Rand) string {
	pieces := []string{"a", "Réunion", " ", "\t", "=", "\r", "\n", "\r\n", "\n\r", "«\u00a0", "\u2060", "é", "😀",
		"\x00", "\x7f", "\xff", "~", "!", strings.Repeat("x", 70), strings.Repeat("y", 75), strings.Repeat(" ", 5),
		"Clé hôte : 123456", "<p>", "&amp;"}
	var b strings.Builder
	for n := r.IntN(60); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestQuotedPrintableAsWriter: appendQuotedPrintable writes what
// mime/quotedprintable's Writer writes, over texts made to reach every
// branch of that writer, and appends to what dst holds.
func TestQuotedPrintableAsWriter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []string{"", " ", "\t", "a ", "a \n", "a \r\n", "\r", "\n", "\r=\n", "=\r\n", "\r\r\n", "\n\n",
		strings.Repeat("a", 75) + " ", strings.Repeat("a", 74) + "=", strings.Repeat("a", 73) + "é",
		strings.Repeat("a", 75) + "\n", strings.Repeat("a", 76), strings.Repeat("é", 40)}
	for range 20000 {
		cases = append(cases, randomText(r))
	}
	for _, s := range cases {
		want := quotedPrintableWriter(s)
		if got := appendQuotedPrintable(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendQuotedPrintable(%q)\n = %q\nwant %q", s, got, want)
		}
		if got := appendQuotedPrintable([]byte("head"), s); string(got) != "head"+string(want) {
			t.Fatalf("appendQuotedPrintable(head, %q) = %q", s, got)
		}
	}
}

// TestComposeBodyAsGoMessage: composeBody writes what go-message's writer
// wrote, for texts with and without HTML, calendars of every length
// around a base64 line, and each iTIP method.
func TestComposeBodyAsGoMessage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	methods := []string{"", "REPLY", "COUNTER", "REQUEST", "CANCEL"}
	for i := range 3000 {
		in := composeInput{From: Address{"Salle Opteos", "zoom@coop.example"}, To: Address{"Alice Dupont", "alice@coop.example"},
			Text: Rendered{Subject: "Salle réservée : " + randomText(r), Text: randomText(r)},
			Date: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), Method: methods[i%len(methods)],
			InReplyTo: "<m@coop.example>", References: []string{"<r@coop.example>"}, AutoSubmitted: "auto-replied"}
		if i%3 != 0 {
			in.Text.HTML = randomText(r)
		}
		if i%4 != 0 {
			cal := make([]byte, i%400) // every length up to 7 base64 lines
			if i >= 1200 {
				cal = make([]byte, r.IntN(2000))
			}
			for j := range cal {
				cal[j] = byte(r.IntN(256))
			}
			in.Calendar = cal
		}
		if i%17 == 0 {
			in.Calendar = []byte{} // an empty part, not none
		}
		boundary := fmt.Sprintf("roomgate-%024x", i)
		h := composeHeader(in, "multipart/alternative", boundary) // a Message-ID of its own
		want := composeWithGoMessage(h, in)                       // writes a copy of h
		got := composeBody(h, boundary, in)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: composeBody\n%q\nwant\n%q", i, got, want)
		}
	}
}

// FuzzQuotedPrintable: appendQuotedPrintable and mime/quotedprintable's
// Writer agree on any text.
func FuzzQuotedPrintable(f *testing.F) {
	f.Add("Clé hôte : 123456 \r\n= x\t\n")
	f.Add(strings.Repeat("a", 75) + " \r")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendQuotedPrintable(nil, s), quotedPrintableWriter(s); !bytes.Equal(got, want) {
			t.Fatalf("appendQuotedPrintable(%q)\n = %q\nwant %q", s, got, want)
		}
	})
}

// TestMessageIDField: the Message-ID that answer gives the outbox is the
// one the outbox would read from the mail (db's rawMessageID: the field,
// trimmed, "" when longer than 998 octets or broken), or "" for the
// outbox to read it.
func TestMessageIDField(t *testing.T) {
	for _, domain := range []string{"coop.example", strings.Repeat("d", 250) + ".example", strings.Repeat("d", 880) + ".example",
		strings.Repeat("d", 1000) + ".example", "co op.example", "coop.example\t", "é.example"} {
		id := newMessageID("zoom@" + domain)
		raw := compose(composeInput{From: Address{"Salle", "zoom@" + domain}, To: Address{"", "alice@coop.example"},
			Text: Rendered{Subject: "s", Text: "t"}, MessageID: id})
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		read := strings.TrimSpace(h.Get("Message-Id"))
		if len(read) > 998 || strings.ContainsAny(read, "\r\n") {
			read = ""
		}
		if got := messageIDField(id); got != "" && got != read {
			t.Errorf("messageIDField(%q) = %q, the mail has %q", id, got, read)
		} else if got == "" && len(domain) < 800 && !strings.ContainsAny(domain, " \t") {
			t.Errorf("messageIDField(%q) = \"\"", id)
		}
	}
}
