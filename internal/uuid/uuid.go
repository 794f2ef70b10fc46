// Package uuid makes the version 4 UUIDs the emulated APIs hand out as ids: random ones, and
// ones derived from the emulator seed for seed data that must be the same in every run.
package uuid

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// New returns a random version 4 UUID, e.g. 5f0c3d8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return format(b)
}

// FromSeed returns a version 4 UUID derived from the emulator seed and a label: the same seed
// and label give the same id in every session of every run.
func FromSeed(seed int64, label string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(seed, 10) + "\x00" + label))
	var b [16]byte
	copy(b[:], sum[:16])
	return format(b)
}

func format(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte          // written in place: one string made, not three
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}
