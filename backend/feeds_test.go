package backend

import (
	"encoding/base64"
	"testing"
)

func TestNewFeedToken(t *testing.T) {
	seen := map[string]bool{}
	// 2,000 draws: were a leading '-' allowed, one would show up with
	// near certainty (1 - (63/64)^2000).
	for i := 0; i < 2000; i++ {
		tok, err := NewFeedToken()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 || len(tok) != 43 {
			t.Fatalf("token %q: %d random bytes, %v; want 32 bytes, base64url without padding", tok, len(raw), err)
		}
		if tok[0] == '-' || tok[0] == '_' {
			t.Fatalf("token %q begins with %q: the command line would read it as a flag", tok, tok[0])
		}
		if seen[tok] {
			t.Fatalf("token %q drawn twice", tok)
		}
		seen[tok] = true
	}
	if h := FeedTokenHash("abc"); len(h) != 32 || string(h) == string(FeedTokenHash("abd")) {
		t.Fatalf("FeedTokenHash: %x", h)
	}
}

func TestFeedPrivacy(t *testing.T) {
	for _, s := range []string{"full", "busy", "omit"} {
		if p, err := ParseFeedPrivacy(s); err != nil || string(p) != s {
			t.Errorf("ParseFeedPrivacy(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "Busy", "public", "none"} {
		if _, err := ParseFeedPrivacy(s); err == nil {
			t.Errorf("ParseFeedPrivacy(%q) accepted", s)
		}
	}
	stricter := [][2]FeedPrivacy{{FeedBusy, FeedFull}, {FeedOmit, FeedBusy}, {FeedOmit, FeedFull}, {"bogus", FeedOmit}}
	for _, c := range stricter {
		if !c[0].Stricter(c[1]) || c[1].Stricter(c[0]) {
			t.Errorf("%s should be stricter than %s, not the reverse", c[0], c[1])
		}
	}
	if FeedBusy.Stricter(FeedBusy) {
		t.Error("a mode is not stricter than itself")
	}
}
