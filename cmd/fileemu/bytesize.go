package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag of bytes that takes units: 10MiB, 1.5GB, 512KiB, or plain bytes.
type byteSize int64

var byteUnits = []struct {
	suffix string
	factor float64
}{ // longest suffixes first, so "MiB" is not read as "B"
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

func (b *byteSize) Set(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	factor := 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(v, u.suffix) {
			v, factor = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	bytes := n * factor
	// !(bytes >= 1) also refuses NaN; a fraction of a byte is no size either.
	if err != nil || !(bytes >= 1) || bytes > 1<<62 || bytes != math.Trunc(bytes) {
		return fmt.Errorf("%q is not a size: use bytes (104857600) or a number with a unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB (10MiB)", s)
	}
	*b = byteSize(bytes)
	return nil
}

func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	for _, u := range []struct {
		name   string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if *b >= byteSize(u.factor) && int64(*b)%u.factor == 0 {
			return strconv.FormatInt(int64(*b)/u.factor, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}
