package templates

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// textColor finds a CSS text colour (not a background's).
var textColor = regexp.MustCompile(`(?:^|[^-])color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)

// TestGreyContrast: every grey text of the mails and pages (secondary
// text: dates, signatures, hints, the agenda's names) has at least WCAG
// 2.x AAA's 7:1 contrast with white, and the pages' --mute colour keeps it
// on their tinted backgrounds too.
func TestGreyContrast(t *testing.T) {
	for _, fsys := range []fs.FS{files, webFiles} {
		checkGreys(t, fsys)
	}
	css, err := fs.ReadFile(webFiles, "web/style.css")
	if err != nil {
		t.Fatal(err)
	}
	mute := regexp.MustCompile(`--mute:#([0-9a-fA-F]{6})`).FindStringSubmatch(string(css))
	if mute == nil {
		t.Fatal("style.css has no --mute colour")
	}
	for _, bg := range []string{"ffffff", "f6f6f8", "f1f1f4", "e3f6e3", "dbe6fb", "eef3fe", "f0f0f3"} {
		if r := contrast(mute[1], bg); r < 7 {
			t.Errorf("--mute #%s on #%s: %.2f:1, want at least 7:1", mute[1], bg, r)
		}
	}
}

// checkGreys checks the grey text colours of every file of fsys.
func checkGreys(t *testing.T, fsys fs.FS) {
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		for _, m := range textColor.FindAllStringSubmatch(string(data), -1) {
			c := m[1]
			if grey(c) && !strings.EqualFold(c, "fff") && !strings.EqualFold(c, "ffffff") {
				if r := contrast(c, "ffffff"); r < 7 {
					t.Errorf("%s: grey text #%s has contrast %.2f:1 with white, want at least 7:1", path, c, r)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// grey reports whether a colour is (nearly) neutral.
func grey(hex string) bool {
	r, g, b := rgb(hex)
	return math.Max(math.Max(r, g), b)-math.Min(math.Min(r, g), b) < 0.12
}

func rgb(hex string) (r, g, b float64) {
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	c := func(i int) float64 { v, _ := strconv.ParseUint(hex[i:i+2], 16, 8); return float64(v) / 255 }
	return c(0), c(2), c(4)
}

// contrast is WCAG 2.x's contrast ratio of two colours.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		r, g, b := rgb(hex)
		f := func(c float64) float64 {
			if c <= 0.03928 {
				return c / 12.92
			}
			return math.Pow((c+0.055)/1.055, 2.4)
		}
		return 0.2126*f(r) + 0.7152*f(g) + 0.0722*f(b)
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}
