package gateway

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/internal/benchcpu"
)

// BenchmarkCompose composes an accept reply of an ordinary size: a French
// text of 2.7 KB, its HTML of 5 KB and a calendar of 1 KB.
//
//	go test -run '^$' -bench Compose -benchmem ./gateway
func BenchmarkCompose(b *testing.B) {
	line := "Clé hôte, pour vous seulement : 482913 — « Point d'équipe » ; arrivez 5 minutes en avance.\n"
	in := composeInput{From: Address{"Salle Opteos", "zoom@coop.example"}, To: Address{"Alice Dupont", "alice@coop.example"},
		Text:      Rendered{Subject: "Salle réservée : Point d'équipe — jeudi 3 décembre 2026", Text: strings.Repeat(line, 28), HTML: strings.Repeat("<p>"+line, 50)},
		Calendar:  []byte(strings.Repeat("ATTENDEE;PARTSTAT=ACCEPTED:mailto:zoom@coop.example\r\n", 19)),
		InReplyTo: "<one@coop.example>", Date: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	before := benchcpu.Used(b)
	for b.Loop() {
		composeReply(in)
	}
	benchcpu.Report(b, before, time.Nanosecond, "cpu-ns/op")
}
