package backend

import (
	"crypto/sha256"
	"encoding/base64"
)

// ETag returns the strong entity tag (RFC 9110 §8.8.3) of stored bytes,
// quoted. It is a hash of the bytes, so equal content always has an equal tag
// and any change of content changes it.
func ETag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}
