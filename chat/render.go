package chat

import (
	"html"
	"regexp"
	"strings"
)

// PreviewHTML renders posts as a standalone HTML page that looks like a
// chat channel, for screenshots of what members see (docs) and for
// checking posts in a browser. It knows the Markdown the package writes:
// **bold**, `code`, [text](http…) links, "- " list items, backslash
// escapes and line breaks; everything else is shown as text. The header,
// when not "", is shown above the posts as a channel header.
func PreviewHTML(lang, channel, header string, posts []Message) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="` + html.EscapeString(lang) + `"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"><title>#` + html.EscapeString(channel) + `</title>` +
		`<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#3d3c40}header{border-bottom:1px solid #ddd;padding:.6em 1em}` +
		`header h1{font-size:1.05em;margin:0}header p{margin:.2em 0 0;color:#666;font-size:.9em}main{padding:.5em 1em}` +
		`.post{display:flex;gap:.7em;margin:1em 0}.avatar{width:36px;height:36px;border-radius:4px;background:#1e325c;color:#fff;` +
		`display:flex;align-items:center;justify-content:center;font-weight:600;flex:none}.who{font-weight:600}` +
		`.bot{font-size:.7em;background:#eee;border-radius:3px;padding:0 .3em;margin-left:.4em;font-weight:600}` +
		`ul{margin:.2em 0;padding-left:1.3em}code{background:#f3f3f3;border-radius:3px;padding:0 .2em}` +
		`button{margin:.4em .4em 0 0;padding:.35em .9em;border:1px solid #1c58d9;border-radius:4px;background:#fff;color:#1c58d9;font:inherit}` +
		`</style></head><body><header><h1>#` + html.EscapeString(channel) + `</h1>`)
	if header != "" {
		b.WriteString("<p>" + inline(header) + "</p>")
	}
	b.WriteString("</header><main>")
	for _, p := range posts {
		b.WriteString(`<div class="post"><div class="avatar" aria-hidden="true">R</div><div><div class="who">roomgate<span class="bot">BOT</span></div>`)
		b.WriteString(blocks(p.Text))
		for _, bt := range p.Buttons {
			b.WriteString("<button type=\"button\">" + html.EscapeString(bt.Label) + "</button>")
		}
		b.WriteString("</div></div>")
	}
	b.WriteString("</main></body></html>\n")
	return b.String()
}

// blocks renders lines, grouping "- " items into lists.
func blocks(text string) string {
	var b strings.Builder
	inList := false
	for _, line := range strings.Split(text, "\n") {
		item, isItem := strings.CutPrefix(line, "- ")
		if isItem != inList {
			b.WriteString(map[bool]string{true: "<ul>", false: "</ul>"}[isItem])
			inList = isItem
		}
		if isItem {
			b.WriteString("<li>" + inline(item) + "</li>")
		} else {
			b.WriteString("<div>" + inline(line) + "</div>")
		}
	}
	if inList {
		b.WriteString("</ul>")
	}
	return b.String()
}

var (
	boldRE = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	codeRE = regexp.MustCompile("`([^`]+)`")
	linkRE = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^)\s"<>]+)\)`)
	escRE  = regexp.MustCompile(`\\([\\` + "`" + `*_\[\]()<>#@~|!])`)
)

// inline renders one line's emphasis, code and links; the text is
// escaped first, so nothing of it becomes markup.
func inline(s string) string {
	// Escaped characters are set aside so the patterns below skip them.
	var kept []string
	s = escRE.ReplaceAllStringFunc(s, func(m string) string {
		kept = append(kept, m[1:])
		return "\x00"
	})
	s = html.EscapeString(s)
	s = linkRE.ReplaceAllString(s, `<a href="$2">$1</a>`)
	s = boldRE.ReplaceAllString(s, "<strong>$1</strong>")
	s = codeRE.ReplaceAllString(s, "<code>$1</code>")
	for _, k := range kept {
		s = strings.Replace(s, "\x00", html.EscapeString(k), 1)
	}
	return s
}
