package chat

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Verb is what a command asks.
type Verb int

// Verbs, with their French and English words.
const (
	VerbHelp   Verb = iota // aide, help (or nothing)
	VerbFree               // libre, free
	VerbBook               // réserver, book
	VerbMine               // mes réservations, mine
	VerbCancel             // annuler, cancel
	VerbLink               // lier, link
)

// Limits of a command.
const (
	MaxCommand = 500 // bytes of a command's text
	MaxTitle   = 120 // characters of a title
	// maxAhead bounds a date: a year and a bit ahead.
	maxAhead = 400
)

// Command is a parsed member command.
type Command struct {
	Verb Verb
	// Lang is the language of the words used ("fr", "en"); the answer
	// speaks it.
	Lang string
	// Day is the day asked for (midnight in the cooperative's zone), for
	// VerbFree and VerbBook.
	Day time.Time
	// Slot is the range asked for, for VerbBook.
	Slot Slot
	// Title is the booking's title as typed, for VerbBook ("" if none).
	Title string
	// ID names a booking, for VerbCancel.
	ID int64
	// Address is the member address to link, for VerbLink (lower case).
	Address string
}

// ParseError is a command that could not be read. Its Text says what to
// write instead, in the command's language.
type ParseError struct {
	Lang string
	key  string
	arg  string
}

// Error implements error, in English for logs.
func (e *ParseError) Error() string { return "chat command: " + e.render(English) }

// Text is the error for the member, in their language.
func (e *ParseError) Text() string { return e.render(e.Lang) }

func (e *ParseError) render(lang string) string {
	if e.arg == "" {
		return tr(lang, e.key)
	}
	return tr(lang, e.key, oneLine(e.arg, 40))
}

func init() {
	for k, v := range map[string][2]string{
		"err.verb":    {"Commande inconnue « %s ». Tapez `/zoom aide`.", "Unknown command “%s”. Type `/zoom help`."},
		"err.date":    {"Date incomprise « %s » : écrivez aujourd'hui, demain, lundi, 12/12 ou 12 déc.", "Date not understood “%s”: write today, tomorrow, monday, 12/12 (day/month) or 12 Dec."},
		"err.far":     {"Date trop lointaine « %s ».", "Date too far ahead “%s”."},
		"err.time":    {"Horaire incompris « %s » : écrivez 14h-15h, 14h30-15h ou 14:30-15:30.", "Time not understood “%s”: write 14:00-15:00, 14h-15h or 14h30-15h."},
		"err.order":   {"L'heure de fin doit suivre l'heure de début (« %s »).", "The end must come after the start (“%s”)."},
		"err.norange": {"Indiquez l'horaire, par exemple `/zoom réserver demain 14h-15h Réunion`.", "Give the time, for example `/zoom book tomorrow 14:00-15:00 Meeting`."},
		"err.extra":   {"Je ne comprends pas « %s » ici.", "I do not understand “%s” here."},
		"err.id":      {"Numéro de réservation attendu, par exemple `/zoom annuler 12` (voir `/zoom mes réservations`).", "A booking number is needed, for example `/zoom cancel 12` (see `/zoom mine`)."},
		"err.address": {"Adresse incomprise « %s » : écrivez par exemple `/zoom lier anne@exemple.org`.", "Address not understood “%s”: write for example `/zoom link anne@example.org`."},
		"err.long":    {"Commande trop longue.", "Command too long."},
		"err.title":   {"Titre trop long (%s caractères au plus).", "Title too long (at most %s characters)."},
		"help": {"Commandes de la salle Zoom :\n" +
			"- `/zoom libre [quand]` : les créneaux libres (aujourd'hui, demain, lundi, 12/12, 12 déc.)\n" +
			"- `/zoom réserver demain 14h-15h Titre` : réserver ; l'invitation arrive dans votre agenda\n" +
			"- `/zoom mes réservations` : vos réservations à venir, numérotées\n" +
			"- `/zoom annuler N` : annuler la réservation n° N\n" +
			"- `/zoom lier votre.adresse@exemple.org` : lier votre compte à votre adresse de membre (une fois)\n" +
			"Horaires : 14h, 14h30, 14:30 ; plages : 14h-15h.",
			"Zoom room commands:\n" +
				"- `/zoom free [when]`: the free slots (today, tomorrow, monday, 12/12 for day/month, 12 Dec)\n" +
				"- `/zoom book tomorrow 14:00-15:00 Title`: book; the invitation reaches your calendar\n" +
				"- `/zoom mine`: your upcoming bookings, numbered\n" +
				"- `/zoom cancel N`: cancel booking N\n" +
				"- `/zoom link your.address@example.org`: link your account to your member address (once)\n" +
				"Times: 14:00, 14h, 14h30; ranges: 14:00-15:00."},
	} {
		texts[k] = v
	}
}

// verbs maps a command's first word to its verb and language.
var verbs = map[string]struct {
	verb Verb
	lang string
}{
	"aide": {VerbHelp, French}, "help": {VerbHelp, English},
	"libre": {VerbFree, French}, "libres": {VerbFree, French}, "free": {VerbFree, English},
	"réserver": {VerbBook, French}, "reserver": {VerbBook, French}, "book": {VerbBook, English},
	"mine": {VerbMine, English}, "mes": {VerbMine, French},
	"annuler": {VerbCancel, French}, "cancel": {VerbCancel, English},
	"lier": {VerbLink, French}, "link": {VerbLink, English},
}

// Parse reads a command's text (what follows /zoom or the trigger word).
// now is the current instant in the cooperative's zone: dates are read
// there. lang is the language of an empty command. Parsing is strict:
// every word must be understood.
func Parse(text string, now time.Time, lang string) (Command, error) {
	if !known(lang) {
		lang = French
	}
	if len(text) > MaxCommand || !utf8.ValidString(text) {
		return Command{Lang: lang}, &ParseError{Lang: lang, key: "err.long"}
	}
	words := strings.Fields(text)
	if len(words) == 0 {
		return Command{Verb: VerbHelp, Lang: lang}, nil
	}
	v, ok := verbs[strings.ToLower(words[0])]
	if !ok {
		return Command{Lang: lang}, &ParseError{Lang: lang, key: "err.verb", arg: words[0]}
	}
	p := &parser{words: words[1:], now: now, cmd: Command{Verb: v.verb, Lang: v.lang}}
	return p.cmd, p.parse()
}

// parser reads the words after the verb.
type parser struct {
	words []string
	now   time.Time
	cmd   Command
}

func (p *parser) fail(key, arg string) error {
	return &ParseError{Lang: p.cmd.Lang, key: key, arg: arg}
}

func (p *parser) parse() error {
	var err error
	switch p.cmd.Verb {
	case VerbHelp:
		err = p.end()
	case VerbFree:
		err = p.free()
	case VerbBook:
		err = p.book()
	case VerbMine:
		err = p.mine()
	case VerbCancel:
		err = p.cancel()
	case VerbLink:
		err = p.link()
	}
	return err
}

// end fails on a word left over.
func (p *parser) end() error {
	if len(p.words) > 0 {
		return p.fail("err.extra", p.words[0])
	}
	return nil
}

func (p *parser) free() error {
	p.cmd.Day = midnight(p.now)
	if len(p.words) > 0 {
		if err := p.date(); err != nil {
			return err
		}
	}
	return p.end()
}

func (p *parser) book() error {
	p.cmd.Day = midnight(p.now)
	if len(p.words) == 0 {
		return p.fail("err.norange", "")
	}
	if !looksLikeTime(p.words[0]) {
		if err := p.date(); err != nil {
			return err
		}
	}
	if len(p.words) == 0 {
		return p.fail("err.norange", "")
	}
	if err := p.rangeOf(); err != nil {
		return err
	}
	p.cmd.Title = strings.Join(p.words, " ")
	if utf8.RuneCountInString(p.cmd.Title) > MaxTitle {
		return p.fail("err.title", strconv.Itoa(MaxTitle))
	}
	p.words = nil
	return nil
}

func (p *parser) mine() error {
	if p.cmd.Lang == French { // "mes réservations"
		if len(p.words) == 0 {
			return p.fail("err.verb", "mes")
		}
		if w := strings.ToLower(p.words[0]); w != "réservations" && w != "reservations" {
			return p.fail("err.extra", p.words[0])
		}
		p.words = p.words[1:]
	}
	return p.end()
}

func (p *parser) cancel() error {
	if len(p.words) == 0 {
		return p.fail("err.id", "")
	}
	s := strings.TrimPrefix(p.words[0], "#")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || id > 1e15 || s != strconv.FormatInt(id, 10) {
		return p.fail("err.id", "")
	}
	p.cmd.ID, p.words = id, p.words[1:]
	return p.end()
}

func (p *parser) link() error {
	if len(p.words) == 0 {
		return p.fail("err.address", "")
	}
	addr, ok := plainAddress(p.words[0])
	if !ok {
		return p.fail("err.address", p.words[0])
	}
	p.cmd.Address, p.words = addr, p.words[1:]
	return p.end()
}

// plainAddress accepts a bare address (no name, no angle brackets) of
// printable ASCII, and returns it in lower case.
func plainAddress(s string) (string, bool) {
	if len(s) > 254 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || strings.IndexByte(`<>()"\,;:[]`, s[i]) >= 0 {
			return "", false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	return strings.ToLower(s), true
}

// midnight is the start of t's day in t's zone.
func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}
