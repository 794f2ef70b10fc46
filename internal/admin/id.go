package admin

import (
	"crypto/rand"
	"encoding/base32"
)

// randomID returns 10 random base32 characters for generated session ids.
func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])[:10]
}
