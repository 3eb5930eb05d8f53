package chat

import (
	"errors"
	"testing"
	"time"
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testNow is Tuesday 1 December 2026, 10:00 in Paris.
func testNow(t testing.TB) time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, paris(t)) }

func TestParse(t *testing.T) {
	now := testNow(t)
	loc := now.Location()
	d := func(m time.Month, day, y int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	hm := func(day time.Time, h, m int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	dec2 := d(12, 2, 2026)
	tests := []struct {
		text string
		want Command
	}{
		{"", Command{Verb: VerbHelp, Lang: French}},
		{"aide", Command{Verb: VerbHelp, Lang: French}},
		{"help", Command{Verb: VerbHelp, Lang: English}},
		{"libre", Command{Verb: VerbFree, Lang: French, Day: d(12, 1, 2026)}},
		{"free tomorrow", Command{Verb: VerbFree, Lang: English, Day: dec2}},
		{"libre aujourd'hui", Command{Verb: VerbFree, Lang: French, Day: d(12, 1, 2026)}},
		{"libre après-demain", Command{Verb: VerbFree, Lang: French, Day: d(12, 3, 2026)}},
		{"libre mardi", Command{Verb: VerbFree, Lang: French, Day: d(12, 1, 2026)}},
		{"libre lundi", Command{Verb: VerbFree, Lang: French, Day: d(12, 7, 2026)}},
		{"free Friday", Command{Verb: VerbFree, Lang: English, Day: d(12, 4, 2026)}},
		{"libre 12/12", Command{Verb: VerbFree, Lang: French, Day: d(12, 12, 2026)}},
		{"libre 30/11", Command{Verb: VerbFree, Lang: French, Day: d(11, 30, 2027)}},
		{"libre 5/1/2027", Command{Verb: VerbFree, Lang: French, Day: d(1, 5, 2027)}},
		{"libre 12 déc.", Command{Verb: VerbFree, Lang: French, Day: d(12, 12, 2026)}},
		{"libre 1er janvier", Command{Verb: VerbFree, Lang: French, Day: d(1, 1, 2027)}},
		{"free Dec 24", Command{Verb: VerbFree, Lang: English, Day: d(12, 24, 2026)}},
		{"réserver demain 14h-15h Point mensuel", Command{Verb: VerbBook, Lang: French, Day: dec2,
			Slot: Slot{hm(dec2, 14, 0), hm(dec2, 15, 0)}, Title: "Point mensuel"}},
		{"RÉSERVER demain 14h30-15h", Command{Verb: VerbBook, Lang: French, Day: dec2,
			Slot: Slot{hm(dec2, 14, 30), hm(dec2, 15, 0)}}},
		{"book tomorrow 14:30-15:45 Board", Command{Verb: VerbBook, Lang: English, Day: dec2,
			Slot: Slot{hm(dec2, 14, 30), hm(dec2, 15, 45)}, Title: "Board"}},
		{"reserver 9h - 10h", Command{Verb: VerbBook, Lang: French, Day: d(12, 1, 2026),
			Slot: Slot{hm(d(12, 1, 2026), 9, 0), hm(d(12, 1, 2026), 10, 0)}}},
		{"réserver 2/12 14h–15h", Command{Verb: VerbBook, Lang: French, Day: dec2,
			Slot: Slot{hm(dec2, 14, 0), hm(dec2, 15, 0)}}},
		{"mes réservations", Command{Verb: VerbMine, Lang: French}},
		{"mes reservations", Command{Verb: VerbMine, Lang: French}},
		{"mine", Command{Verb: VerbMine, Lang: English}},
		{"annuler 12", Command{Verb: VerbCancel, Lang: French, ID: 12}},
		{"cancel #7", Command{Verb: VerbCancel, Lang: English, ID: 7}},
		{"lier Anne@Coop.example", Command{Verb: VerbLink, Lang: French, Address: "anne@coop.example"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text, now, French)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.text, err)
			continue
		}
		if got.Verb != tt.want.Verb || got.Lang != tt.want.Lang || !got.Day.Equal(tt.want.Day) ||
			!got.Slot.Start.Equal(tt.want.Slot.Start) || !got.Slot.End.Equal(tt.want.Slot.End) ||
			got.Title != tt.want.Title || got.ID != tt.want.ID || got.Address != tt.want.Address {
			t.Errorf("Parse(%q)\n got  %+v\n want %+v", tt.text, got, tt.want)
		}
	}
}

// TestParseErrors: every refusal says what to write, in the language of
// the command's verb.
func TestParseErrors(t *testing.T) {
	now := testNow(t)
	tests := []struct{ text, fr, en string }{
		{"réserve demain", "Commande inconnue « réserve ». Tapez `/zoom aide`.", ""},
		{"book tomorrow", "", "Give the time, for example `/zoom book tomorrow 14:00-15:00 Meeting`."},
		{"réserver demain 15h-14h", "L'heure de fin doit suivre l'heure de début (« 15h-14h »).", ""},
		{"réserver demain 25h-26h", "Horaire incompris « 25h-26h » : écrivez 14h-15h, 14h30-15h ou 14:30-15:30.", ""},
		{"réserver demain 14h5-15h", "Horaire incompris « 14h5-15h » : écrivez 14h-15h, 14h30-15h ou 14:30-15:30.", ""},
		{"book 14-15", "", "Date not understood “14-15”: write today, tomorrow, monday, 12/12 (day/month) or 12 Dec."},
		{"libre 31/02", "Date incomprise « 31/02 » : écrivez aujourd'hui, demain, lundi, 12/12 ou 12 déc.", ""},
		{"libre 1/1/2030", "Date trop lointaine « 1/1/2030 ».", ""},
		{"libre demain matin", "Je ne comprends pas « matin » ici.", ""},
		{"annuler douze", "Numéro de réservation attendu, par exemple `/zoom annuler 12` (voir `/zoom mes réservations`).", ""},
		{"cancel 0", "", "A booking number is needed, for example `/zoom cancel 12` (see `/zoom mine`)."},
		{"lier Anne <anne@coop.example>", "Adresse incomprise « Anne » : écrivez par exemple `/zoom lier anne@exemple.org`.", ""},
		{"link anne@localhost", "", "Address not understood “anne\\@localhost”: write for example `/zoom link anne@example.org`."},
		{"mes trucs", "Je ne comprends pas « trucs » ici.", ""},
		{"zoom <@all> `x`", "Commande inconnue « zoom ». Tapez `/zoom aide`.", ""},
		{"@here", "Commande inconnue « \\@here ». Tapez `/zoom aide`.", ""},
	}
	for _, tt := range tests {
		_, err := Parse(tt.text, now, French)
		var perr *ParseError
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q): %v, want a ParseError", tt.text, err)
			continue
		}
		want := tt.fr
		if want == "" {
			want = tt.en
		}
		if got := plain(perr.Text()); got != want {
			t.Errorf("Parse(%q).Text()\n got  %s\n want %s", tt.text, got, want)
		}
	}
}

func TestParseLimits(t *testing.T) {
	now := testNow(t)
	long := "réserver demain 14h-15h " + string(make([]byte, 0))
	for range MaxTitle + 1 {
		long += "x"
	}
	if _, err := Parse(long, now, French); err == nil {
		t.Error("a title over MaxTitle: no error")
	}
	if _, err := Parse("libre "+string(make([]byte, MaxCommand)), now, French); err == nil {
		t.Error("a command over MaxCommand: no error")
	}
	if _, err := Parse("libre \xff", now, French); err == nil {
		t.Error("invalid UTF-8: no error")
	}
}
