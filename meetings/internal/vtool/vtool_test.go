package vtool

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://meet.coop.example":         true,
		"http://127.0.0.1:8080":             true,
		"http://localhost/x":                true,
		"http://meet.coop.example":          false,
		"https://user:pw@meet.coop.example": false,
		"https://meet.coop.example/?a=b":    false,
		"meet.coop.example":                 false,
		"ftp://meet.coop.example":           false,
	} {
		if _, err := CheckURL("k", raw); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
	}
}

func TestReadBounded(t *testing.T) {
	if b, err := ReadBounded(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Fatalf("at the limit: %q %v", b, err)
	}
	if _, err := ReadBounded(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestTitle(t *testing.T) {
	if got := Title("  a\r\nb\x00 c  ", 64); got != "a b c" {
		t.Fatalf("%q", got)
	}
	if got := Title("éééé", 2); got != "éé" {
		t.Fatalf("%q", got)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %#v", s, s, s), fmt.Sprintf("%+v", struct{ S Secret }{s})} {
		if strings.Contains(out, "hunter2") {
			t.Fatalf("printed: %s", out)
		}
	}
}

func TestRoomID(t *testing.T) {
	a := RoomID([]byte("k"), "p", "key", 26)
	if a != RoomID([]byte("k"), "p", "key", 26) || a == RoomID([]byte("k"), "q", "key", 26) || len(a) != 26 {
		t.Fatalf("%q", a)
	}
}
