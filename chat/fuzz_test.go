package chat

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse: no text makes Parse panic, and what it accepts is sound: a
// range ends after it starts, on the day asked, within the bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "libre", "réserver demain 14h-15h Titre", "book 12/12 9:00-10:30 x", "annuler #3",
		"mes réservations", "lier a@b.example", "libre 1er janvier", "free Dec 24", "réserver 14h - 15h", "libre 29/02"} {
		f.Add(s)
	}
	now := testNow(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s, now, French)
		var perr *ParseError
		if err != nil {
			if !errors.As(err, &perr) || perr.Text() == "" {
				t.Fatalf("Parse(%q): %v is not a ParseError with a text", s, err)
			}
			return
		}
		if !known(c.Lang) {
			t.Fatalf("Parse(%q): language %q", s, c.Lang)
		}
		switch c.Verb {
		case VerbBook:
			if !c.Slot.End.After(c.Slot.Start) || daysBetween(c.Day, c.Slot.Start) != 0 || utf8.RuneCountInString(c.Title) > MaxTitle {
				t.Fatalf("Parse(%q): unsound booking %+v", s, c)
			}
			fallthrough
		case VerbFree:
			if d := daysBetween(midnight(now), c.Day); d < 0 || d > maxAhead {
				t.Fatalf("Parse(%q): day %v out of range", s, c.Day)
			}
		case VerbCancel:
			if c.ID <= 0 {
				t.Fatalf("Parse(%q): ID %d", s, c.ID)
			}
		case VerbLink:
			if _, ok := plainAddress(c.Address); !ok {
				t.Fatalf("Parse(%q): address %q", s, c.Address)
			}
		}
	})
}

// FuzzTokens: no string makes the token readers panic, and none but a
// signed one is accepted.
func FuzzTokens(f *testing.F) {
	s, _ := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	now := testNow(f)
	good, _ := s.ActionToken(ActionClaim{Action: ActionBook, Slot: Slot{now, now.Add(time.Hour)}, Server: "mm", User: "u", Nonce: "n", Expires: now.Add(time.Hour)})
	link, _ := s.LinkToken(LinkClaim{Server: "mm", User: "u", Address: "a@b.example", Nonce: "n", Expires: now.Add(time.Hour)})
	f.Add(good)
	f.Add(link)
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := s.ReadAction(tok, now); err == nil && tok != good {
			t.Fatalf("an unsigned action token was accepted: %q", tok)
		}
		if _, err := s.ReadLink(tok, now); err == nil && tok != link {
			t.Fatalf("an unsigned link token was accepted: %q", tok)
		}
	})
}
