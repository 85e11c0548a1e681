package ical

import "strings"

// EscapeText escapes an iCalendar TEXT value (RFC 5545 §3.3.11).
func EscapeText(s string) string {
	return textEscaper.Replace(s)
}

var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// UnescapeText undoes RFC 5545 §3.3.11 TEXT escapes, giving the value a
// user typed.
func UnescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' || s[i] == 'N' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
