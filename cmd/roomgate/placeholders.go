package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"codeberg.org/opteos/roomgate/ical"
)

// exampleDomain matches a domain under .example, the top-level domain
// RFC 2606 §2 reserves for documentation: roomgate.example.toml's
// addresses (coop.example) never reach anybody.
var exampleDomain = regexp.MustCompile(`(?i)[a-z0-9-]+\.example(?:$|[^a-z0-9.-])`)

// placeholders lists the keys whose values are still the example file's
// placeholders: "…" (a secret, a passcode, pwd=… in a join link) or a
// domain under .example. Secrets are named by their key only.
func placeholders(c *Config) []string {
	var found []string
	walkStrings(reflect.ValueOf(c).Elem(), "", func(key, v string) {
		switch {
		case strings.Contains(v, "pwd=…"):
			found = append(found, key+": the join link still ends with the example's pwd=…")
		case strings.Contains(v, "…"):
			found = append(found, key+": still the example's placeholder …")
		case exampleDomain.MatchString(v):
			found = append(found, key+": a domain under .example (reserved for examples, RFC 2606)")
		}
	})
	return found
}

// walkStrings calls f with the TOML key and value of every string of v,
// a configuration struct: fields, slices and nested sections.
func walkStrings(v reflect.Value, key string, f func(key, value string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), key, f)
		}
	case reflect.String:
		if v.String() != "" {
			f(key, v.String())
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStrings(v.Index(i), fmt.Sprintf("%s[%d]", key, i), f)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
			if !sf.IsExported() || name == "" || name == "-" {
				continue
			}
			if key != "" {
				name = key + "." + name
			}
			walkStrings(v.Field(i), name, f)
		}
	}
}

// didYouMean suggests the known word nearest to typed (at most a third of
// its letters wrong), or "".
func didYouMean(typed string, known []string) string {
	best, bestD := "", len(typed)/3+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(typed), strings.ToLower(k)); d < bestD || (d == bestD && best != "" && k < best) {
			best, bestD = k, d
		}
	}
	if best == "" || strings.EqualFold(best, typed) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// configKeys lists every key of the configuration, as written in TOML
// (rooms' keys as rooms.KEY), for didYouMean.
func configKeys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
			if !sf.IsExported() || name == "" || name == "-" {
				continue
			}
			keys = append(keys, prefix+name)
			walk(sf.Type, prefix+name+".")
		}
	}
	walk(reflect.TypeFor[Config](), "")
	slices.Sort(keys)
	return keys
}

// zoneNames lists the IANA zone names this host knows (tzdata.zi's zones
// and links) and, on a host without zoneinfo files, the common zones that
// Windows zone names map to, for didYouMean.
func zoneNames() []string {
	names := ical.IANAZones()
	for _, dir := range []string{os.Getenv("ZONEINFO"), "/usr/share/zoneinfo"} {
		data, err := os.ReadFile(filepath.Join(dir, "tzdata.zi"))
		if dir == "" || err != nil {
			continue
		}
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "Z":
				names = append(names, f[1])
			case len(f) >= 3 && f[0] == "L":
				names = append(names, f[2])
			}
		}
		break
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// unindexed drops the array indexes a TOML key may hold (rooms.0.name).
func unindexed(key string) string {
	parts := strings.Split(key, ".")
	kept := parts[:0]
	for _, p := range parts {
		if strings.Trim(p, "0123456789") != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ".")
}
