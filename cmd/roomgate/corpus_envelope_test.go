package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// The corpus holds some calendars without their mail (taken from test
// code). These functions wrap each in the envelope its client sends, as
// SOURCES.md describes, at run time.

// envelopeHead is the header of a wrapped calendar.
type envelopeHead struct {
	from, subject, date, extra string
}

func (h envelopeHead) String(name, contentType string) string {
	return "From: " + h.from + "\r\nTo: " + corpusRoom + "\r\nSubject: " + h.subject + "\r\nDate: " + h.date +
		"\r\nMessage-ID: <corpus." + name + "@coop.test>\r\nMIME-Version: 1.0\r\n" + h.extra +
		"Content-Type: " + contentType + "\r\n\r\n"
}

// base64Lines encodes data in lines of 76 characters.
func base64Lines(data []byte) string {
	return string(wrapBase64(base64.StdEncoding.EncodeToString(data), 76, "\r\n", "\r\n"))
}

// corpusEnvelope returns the mail of a calendar file of the corpus.
func corpusEnvelope(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	ics := string(data)
	switch name {
	case "blackberry-allday.ics":
		return plainEnvelope(name, envelopeHead{"rembrand@daxlab.com", "Invitation", "Mon, 13 Aug 2012 15:14:58 +0000", ""}, ics)
	case "obm-request.ics":
		return plainEnvelope(name, envelopeHead{"ouazana@linagora.com", "Invitation", "Fri, 6 Jan 2017 11:50:38 +0000", ""}, ics)
	case "sabre-evolution-request.ics":
		ics = strings.Replace(ics, "DTSTAMP:**ANY**", "DTSTAMP:20140813T155353Z", 1)
		return nextcloudEnvelope(name, envelopeHead{`"Nextcloud" <calendar@fruux.com>`, "Invitation",
			"Wed, 13 Aug 2014 15:53:53 +0000", "Reply-To: martin@fruux.com\r\n"}, ics)
	case "sabre-recurrence-master-exception.ics", "sabre-recurrence-exception-only.ics":
		ics = strings.ReplaceAll(ics, "DTSTAMP:**ANY**", "DTSTAMP:20140715T100000Z")
		return nextcloudEnvelope(name, envelopeHead{`"Nextcloud" <calendar@example.org>`, "Invitation",
			"Tue, 15 Jul 2014 10:00:00 +0000", "Reply-To: strunk@example.org\r\n"}, ics)
	case "yahoo-request.ics":
		return yahooEnvelope(name, envelopeHead{"obmlinagora@yahoo.fr", "Invitation", "Mon, 23 Jan 2017 12:16:35 +0000", ""}, ics)
	case "google-invite-ics-part.txt":
		part := strings.ReplaceAll(strings.ReplaceAll(strings.TrimRight(ics, "\r\n"), "\r\n", "\n"), "\n", "\r\n") + "\r\n"
		h := envelopeHead{"antduprat@gmail.com", "Invitation", "Thu, 19 Jan 2017 19:18:23 +0000", ""}
		return []byte(h.String(name, `multipart/mixed; boundary="corpus-mixed"`) +
			"--corpus-mixed\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nYou are invited.\r\n" +
			"--corpus-mixed\r\n" + part + "--corpus-mixed--\r\n")
	case "proton-walk-on-the-moon.ics.tmpl", "proton-allday-dtstart-only.ics.tmpl":
		ics = strings.NewReplacer("${dummySenderEmailAddress}", "orgo@proton.me", "${dummyUserEmailAddress}", "invitee@proton.me",
			"${anotherEmailAddress}", "another@protonmail.ch", "${dummyUID}", "testUID@example.domain",
			"${dummyToken}", "2f4c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b").Replace(ics)
		return protonEnvelope(name, envelopeHead{"orgo@proton.me", "Invitation", "Wed, 13 Oct 2021 14:44:56 +0000", ""}, ics)
	case "lotus-notes6-request.ics":
		return notesEnvelope(name, envelopeHead{"gpope@certicom.com", "Invitation", "Fri, 19 Mar 2004 20:50:45 +0000", ""}, ics)
	}
	t.Fatalf("corpus: no envelope for %s", name)
	return nil
}

// plainEnvelope: multipart/alternative with text/plain and the calendar
// as 8bit text/calendar; method=REQUEST.
func plainEnvelope(name string, h envelopeHead, ics string) []byte {
	return []byte(h.String(name, `multipart/alternative; boundary="corpus-alt"`) +
		"--corpus-alt\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nYou are invited.\r\n" +
		"--corpus-alt\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		ics + "\r\n--corpus-alt--\r\n")
}

// nextcloudEnvelope: what Nextcloud's iMIP plugin sends from the server's
// address (Reply-To the organizer): multipart/mixed with the texts and
// event.ics in base64.
func nextcloudEnvelope(name string, h envelopeHead, ics string) []byte {
	return []byte(h.String(name, `multipart/mixed; boundary="corpus-mixed"`) +
		"--corpus-mixed\r\nContent-Type: multipart/alternative; boundary=\"corpus-alt\"\r\n\r\n" +
		"--corpus-alt\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nYou are invited.\r\n" +
		"--corpus-alt\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>You are invited.</p>\r\n--corpus-alt--\r\n" +
		"--corpus-mixed\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8; name=\"event.ics\"\r\n" +
		"Content-Disposition: attachment; filename=\"event.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64Lines([]byte(ics)) + "--corpus-mixed--\r\n")
}

// yahooEnvelope: the shape of Yahoo Calendar's mail (see yahoo-cancel.eml):
// text/html, then the calendar twice in base64, as application/ics and as
// text/calendar.
func yahooEnvelope(name string, h envelopeHead, ics string) []byte {
	b := "----=_Part_1_corpus"
	cal := base64Lines([]byte(ics))
	return []byte(h.String(name, fmt.Sprintf("multipart/mixed; \r\n boundary=\"%s\"", b)) +
		"--" + b + "\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<div>Invitation</div>\r\n" +
		"--" + b + "\r\nContent-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\n" + cal +
		"--" + b + "\r\nContent-Type: text/calendar; method=REQUEST; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + cal +
		"--" + b + "--\r\n")
}

// protonEnvelope: Proton's shape: text/html in base64, then invite.ics as
// text/calendar without method=, base64.
func protonEnvelope(name string, h envelopeHead, ics string) []byte {
	return []byte(h.String(name, `multipart/mixed; boundary="corpus-mixed"`) +
		"--corpus-mixed\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64Lines([]byte("<p>You are invited.</p>")) +
		"--corpus-mixed\r\nContent-Type: text/calendar; filename=\"invite.ics\"; name=\"invite.ics\"\r\n" +
		"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"invite.ics\"; name=\"invite.ics\"\r\n\r\n" +
		base64Lines([]byte(ics)) + "--corpus-mixed--\r\n")
}

// notesEnvelope: the Notes/Domino shape of tb-ext-invite.eml: mixed >
// related > alternative, the calendar unencoded.
func notesEnvelope(name string, h envelopeHead, ics string) []byte {
	const id = "36C0RPU5_="
	return []byte(h.String(name, `multipart/mixed; boundary="=_mixed_`+id+`"`) +
		"This is a multipart message in MIME format.\r\n--=_mixed_" + id + "\r\n" +
		"Content-Type: multipart/related; boundary=\"=_related_" + id + "\"\r\n\r\n--=_related_" + id + "\r\n" +
		"Content-Type: multipart/alternative; boundary=\"=_alternative " + id + "\"\r\n\r\n" +
		"--=_alternative " + id + "\r\nContent-Type: text/plain; charset=US-ASCII\r\n\r\nYou have been invited to a meeting\r\n" +
		"--=_alternative " + id + "\r\nContent-Type: text/html; charset=US-ASCII\r\nContent-Disposition: inline\r\n\r\n<p>You have been invited</p>\r\n" +
		"--=_alternative " + id + "\r\nContent-Type: text/calendar; method=\"REQUEST\"; charset=\"UTF-8\"\r\n\r\n" + ics + "\r\n" +
		"--=_alternative " + id + "--\r\n--=_related_" + id + "--\r\n--=_mixed_" + id + "--\r\n")
}
