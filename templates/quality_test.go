package templates

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoommail"
)

// memberMails are the templates members read; the others go to the
// facilitators (codes, alerts) or are not mails (comment).
var memberMails = []string{gateway.TmplAccept, gateway.TmplDecline, gateway.TmplUpdate, gateway.TmplCancelled, gateway.TmplHandedOver,
	gateway.TmplReminder, zoommail.TmplRecording, gateway.TmplRecordingReminder, gateway.TmplPending, gateway.TmplZoomAccept,
	gateway.TmplZoomAttendance, gateway.TmplZoomLink, gateway.TmplZoomOverrun, gateway.TmplZoomRecordings,
	gateway.TmplZoomReleased, gateway.TmplZoomReminder}

// everyView renders every template of a language with every sample view
// and every decline reason.
func everyView(t *testing.T, lang string, fn func(name string, r gateway.Rendered)) {
	t.Helper()
	for _, r := range everyRendered(t, lang) {
		fn(r.name, r.r)
	}
}

// renderedMail is one mail of everyRendered.
type renderedMail struct {
	name string
	r    gateway.Rendered
}

// rendered keeps everyRendered's mails by language: several tests check
// different things in the same thousands of mails, rendered once.
var rendered = struct {
	sync.Mutex
	byLang map[string][]renderedMail
}{byLang: map[string][]renderedMail{}}

// everyRendered renders every template in lang with every view and reason.
func everyRendered(t *testing.T, lang string) []renderedMail {
	t.Helper()
	rendered.Lock()
	defer rendered.Unlock()
	if out, ok := rendered.byLang[lang]; ok {
		return out
	}
	s := load(t)
	reasons := []string{gateway.ReasonConflict, gateway.ReasonNotOrganizer, gateway.ReasonPast, gateway.ReasonTooLong,
		gateway.ReasonBeyondWindow, gateway.ReasonInvalidTime, gateway.ReasonSeriesDisabled, gateway.ReasonTooManyDates,
		gateway.ReasonSeriesBusy, gateway.ReasonCancelled, gateway.ReasonApprovalRefused, gateway.ReasonApprovalExpired,
		gateway.ReasonHolds, gateway.ReasonQuotaWeek}
	var out []renderedMail
	for _, name := range s.Names() {
		for _, view := range []func(*testing.T) gateway.MailView{fullView, minimalView, seriesView, relayView} {
			for _, reason := range reasons {
				v := view(t)
				v.Reason, v.Note = reason, "Assemblée générale"
				v.Accepted = name == gateway.TmplAccept || name == gateway.TmplUpdate
				out = append(out, renderedMail{name, render(t, s, lang, name, v)})
			}
		}
	}
	rendered.byLang[lang] = out
	return out
}

// TestFrenchTypography: no French text leaves an ordinary space before
// « : ; ! ? », inside guillemets, or inside a time range, and dates say
// "1er".
func TestFrenchTypography(t *testing.T) {
	bad := regexp.MustCompile(` [:;!?»]|« |[0-9] – [0-9]|[0-9]–[0-9]| 1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)`)
	everyView(t, "fr", func(name string, r gateway.Rendered) {
		for what, body := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
			// Zoom's own English text is quoted as it came.
			body = strings.ReplaceAll(body, relayView(t).Relay.Excerpt, "")
			if m := bad.FindString(body); m != "" {
				t.Errorf("%s %s: %q in\n%s", name, what, m, body)
				return
			}
		}
	})
}

// TestNoEnglishInFrench: no English words reach French members.
func TestNoEnglishInFrench(t *testing.T) {
	english := regexp.MustCompile(`\b(the|room|meeting|booked|host|Claim|Waiting|Passcode|Meeting ID|Join|roomgate)\b`)
	everyView(t, "fr", func(name string, r gateway.Rendered) {
		if !contains(memberMails, name) {
			return
		}
		for what, body := range map[string]string{"subject": r.Subject, "text": r.Text, "html": words(r.HTML)} {
			body = strings.ReplaceAll(body, relayView(t).Relay.Excerpt, "")
			body = strings.ReplaceAll(plainText(body), relayView(t).Relay.Topic, "")
			if m := english.FindString(body); m != "" {
				t.Errorf("%s %s: English %q in\n%s", name, what, m, body)
				return
			}
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestHTMLMail: the HTML parts are plain HTML every client shows: inline
// styles only, no script, no external resource, a lang, a viewport.
func TestHTMLMail(t *testing.T) {
	for _, lang := range langs {
		everyView(t, lang, func(name string, r gateway.Rendered) {
			if r.HTML == "" {
				return
			}
			wantLacks(t, name+" html", r.HTML, "<script", "<style", "<link", "<img", "<iframe", "<form", "javascript:", "@import")
			if contains(memberMails, name) {
				wantContains(t, name+" html", r.HTML, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
					`max-width:560px`)
			}
		})
		v := fullView(t)
		v.Accepted = true
		r := render(t, load(t), lang, gateway.TmplAccept, v)
		button := map[string]string{"fr": "Rejoindre la réunion", "en": "Join the meeting"}[lang]
		wantContains(t, "accept html", r.HTML, `<td style="border-radius:8px;background-color:#0b57d0;"><a href="`+v.Room.JoinURL+
			`" style="display:inline-block;padding:14px 26px;font-size:17px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:8px;">`+button+`</a></td>`)
	}
}

// TestSignature: the signature names the cooperative's service when it
// is configured, and never the program.
func TestSignature(t *testing.T) {
	s := load(t)
	for _, lang := range langs {
		for _, name := range memberMails {
			v := fullView(t)
			v.Service, v.Reason = "Salles Zoom d'Opteos", gateway.ReasonConflict
			r := render(t, s, lang, name, v)
			if !strings.HasSuffix(r.Text, "\n\n— Salles Zoom d'Opteos\n") {
				t.Errorf("%s/%s text ends:\n%s", lang, name, r.Text[max(0, len(r.Text)-80):])
			}
			if r.HTML != "" && !strings.Contains(r.HTML, "— Salles Zoom d&#39;Opteos</p>") {
				t.Errorf("%s/%s html lacks the signature", lang, name)
			}
			wantLacks(t, lang+"/"+name, r.Text+r.HTML, "roomgate")
		}
	}
}

// TestContactOnce: the contact text is shown once, after a label of its
// own, so a contact written "Questions: tech@coop.example" does not read
// "Contact: Questions:".
func TestContactOnce(t *testing.T) {
	s := load(t)
	for _, lang := range langs {
		for _, name := range memberMails {
			v := fullView(t)
			v.Contact, v.Reason = "tech@coop.example", gateway.ReasonConflict
			r := render(t, s, lang, name, v)
			if n := strings.Count(r.Text, "tech@coop.example"); n != 1 && (name != gateway.TmplUpdate || n != 0) {
				t.Errorf("%s/%s shows the contact %d times:\n%s", lang, name, n, r.Text)
			}
			wantLacks(t, lang+"/"+name, r.Text, "Contact:", "Contact"+nb+":")
		}
	}
}
