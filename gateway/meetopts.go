package gateway

import (
	"strings"

	"codeberg.org/opteos/roomgate/ical"
)

// MeetingOptions are the settings one booking asks for its meeting ("a
// room configured as I wish", for one meeting), read from a line of the
// event's DESCRIPTION (see ParseMeetingOptions). In Zoom API mode they go
// into the meeting's settings; with fixed rooms the accept mail lists
// them for the host to set once in the meeting.
type MeetingOptions struct {
	// Muted: participants muted on entry (Zoom: mute_upon_entry).
	Muted bool
	// VideoOff: host and participants join with video off (Zoom:
	// host_video and participant_video false).
	VideoOff bool
	// SignIn: only people signed in to Zoom may join (Zoom:
	// meeting_authentication).
	SignIn bool
	// CloudRecording: the meeting records to the cloud from its start
	// (Zoom: auto_recording "cloud").
	CloudRecording bool
}

// optionWords are the canonical names of the options, in the order they
// are stored and shown.
var optionWords = []string{"muted", "video-off", "sign-in", "cloud-recording"}

// optionKeywords maps each accepted keyword, normalized (lower case, one
// space between words, "-" and "_" as spaces, accents folded), to its
// option. French and English; nothing else is guessed.
var optionKeywords = map[string]string{
	"muted": "muted", "muted on entry": "muted", "mute on entry": "muted", "mute participants": "muted",
	"micro coupe": "muted", "micros coupes": "muted", "micro coupe a l'entree": "muted", "micros coupes a l'entree": "muted",
	"video off": "video-off", "no video": "video-off", "camera off": "video-off",
	"video coupee": "video-off", "sans video": "video-off", "camera coupee": "video-off",
	"sign in required": "sign-in", "zoom sign in required": "sign-in", "signed in users only": "sign-in",
	"connexion obligatoire": "sign-in", "connexion zoom obligatoire": "sign-in",
	"cloud recording": "cloud-recording", "record to the cloud": "cloud-recording",
	"enregistrement cloud": "cloud-recording", "enregistrement dans le cloud": "cloud-recording",
}

// Bounds of what ParseMeetingOptions reads: longer lines and more items
// are not options lines a member wrote by hand.
const (
	maxOptionsLine  = 300
	maxOptionsItems = 8
	optionsPrefix   = "roomgate"
)

// ParseMeetingOptions reads the options lines of a description: a line
// "roomgate: muted, video off" (a space before the colon is allowed, as
// French writes it), items separated by commas or semicolons. Every item
// must be a keyword of optionKeywords: one that is not makes the line's
// options void, and is returned in unknown for the mail to name (strict:
// a misspelt "enregistrement clou" must not silently leave recording
// off). Other lines are not looked at.
func ParseMeetingOptions(desc string) (o MeetingOptions, unknown []string) {
	seen := map[string]bool{}
	for line := range strings.Lines(desc) {
		items, ok := optionsItems(line)
		if !ok {
			continue
		}
		var bad []string
		found := map[string]bool{}
		for _, it := range items {
			if w, ok := optionKeywords[normalizeKeyword(it)]; ok {
				found[w] = true
			} else if it = strings.TrimSpace(it); it != "" {
				bad = append(bad, printable(it))
			}
		}
		if len(bad) > 0 {
			unknown = append(unknown, bad...)
			continue
		}
		for w := range found {
			seen[w] = true
		}
	}
	return MeetingOptions{Muted: seen["muted"], VideoOff: seen["video-off"], SignIn: seen["sign-in"],
		CloudRecording: seen["cloud-recording"]}, unknown
}

// optionsItems returns the items of an options line, or false when the
// line is not one.
func optionsItems(line string) ([]string, bool) {
	line = strings.TrimSpace(line)
	if len(line) > maxOptionsLine || len(line) < len(optionsPrefix) || !strings.EqualFold(line[:len(optionsPrefix)], optionsPrefix) {
		return nil, false
	}
	rest, ok := strings.CutPrefix(strings.TrimLeft(line[len(optionsPrefix):], " \t\u00a0\u202f"), ":")
	if !ok {
		return nil, false
	}
	items := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ';' })
	if len(items) > maxOptionsItems {
		items = items[:maxOptionsItems]
	}
	return items, true
}

// keywordFold folds the accents and spellings of optionKeywords.
var keywordFold = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "É", "e", "à", "a", "’", "'", "-", " ", "_", " ")

// normalizeKeyword makes an item comparable with optionKeywords.
func normalizeKeyword(s string) string {
	return strings.Join(strings.Fields(keywordFold.Replace(strings.ToLower(s))), " ")
}

// Key is the options' stored form: their canonical names, in order,
// joined by commas; "" for none.
func (o MeetingOptions) Key() string {
	on := []bool{o.Muted, o.VideoOff, o.SignIn, o.CloudRecording}
	var out []string
	for i, w := range optionWords {
		if on[i] {
			out = append(out, w)
		}
	}
	return strings.Join(out, ",")
}

// Any reports whether some option is asked.
func (o MeetingOptions) Any() bool { return o != MeetingOptions{} }

// StoredOptions reads the form Key wrote; unknown names are dropped.
func StoredOptions(s string) MeetingOptions {
	var o MeetingOptions
	for w := range strings.SplitSeq(s, ",") {
		switch w {
		case "muted":
			o.Muted = true
		case "video-off":
			o.VideoOff = true
		case "sign-in":
			o.SignIn = true
		case "cloud-recording":
			o.CloudRecording = true
		}
	}
	return o
}

// OptionsView is what a mail shows of a booking's options.
type OptionsView struct {
	MeetingOptions
	// Applied is set when the meeting is created with them (Zoom API
	// mode, Options.MeetingOptionsApplied); else the host sets them in
	// the meeting.
	Applied bool
	// Unknown lists the items of an options line that were not
	// understood (none of that line was applied).
	Unknown []string
}

// optionsView is the mail's view of options; nil when there is nothing
// to say.
func optionsView(o MeetingOptions, unknown []string, applied bool) *OptionsView {
	if !o.Any() && len(unknown) == 0 {
		return nil
	}
	return &OptionsView{MeetingOptions: o, Applied: applied, Unknown: unknown}
}

// descriptionOf is the text of an event's DESCRIPTION properties.
func descriptionOf(ev *ical.Event) string {
	var b strings.Builder
	for _, p := range ev.Props {
		if p.Name == "DESCRIPTION" {
			b.WriteString(p.Text())
			b.WriteByte('\n')
		}
	}
	return b.String()
}
