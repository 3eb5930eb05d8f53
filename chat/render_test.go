package chat

import (
	"strings"
	"testing"
)

func TestPreviewHTML(t *testing.T) {
	got := PreviewHTML("fr", "zoom", "Libre jusqu'à 14:00 · [Agenda](https://salles.coop.example/agenda)", []Message{
		{Text: "**Créneaux** libres :\n- 08:00–09:00 — Conseil \\[urgent\\]\\(https://evil.example\\)\n- `x`<script>", Buttons: []Button{{Label: "Réserver <b>"}}},
	})
	for _, want := range []string{`<a href="https://salles.coop.example/agenda">Agenda</a>`, "<strong>Créneaux</strong>",
		"<li>08:00–09:00 — Conseil [urgent](https://evil.example)</li>", "<li><code>x</code>&lt;script&gt;</li>",
		"<button type=\"button\">Réserver &lt;b&gt;</button>"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, `href="https://evil`) {
		t.Errorf("markup from the text:\n%s", got)
	}
}
