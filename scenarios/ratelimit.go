package scenarios

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// bucketKey names a token bucket: the rule (this generation's: a reloaded rule starts full)
// and, for key scope, the credential.
type bucketKey struct {
	rule *Rule
	key  string
}

// bucket is a token bucket: a session's (session and key scopes) on the session's clock, a
// global one on the engine's clock.
type bucket struct {
	tokens float64
	last   time.Time
}

// take takes a token from the rule's bucket for the request's scope and returns the rate-limit
// headers to send.
func (e *Engine) take(r *Rule, in *Input, now time.Time) (bool, map[string]string) {
	a := &r.Action
	var b *bucket
	var mu *sync.Mutex
	switch a.Scope {
	case "session", "key":
		// Per session, so parallel tests sharing an API key do not drain each other's bucket.
		if in.State == nil {
			return true, nil
		}
		key := bucketKey{rule: r}
		if a.Scope == "key" {
			key.key = in.Credential
		}
		mu = &in.State.mu
		mu.Lock()
		b = getBucket(in.State.buckets, key, a, now)
	default:
		now = e.clock() // shared by every session: no session's clock may refill it
		mu = &e.mu
		mu.Lock()
		b = getBucket(e.buckets, bucketKey{rule: r}, a, now)
	}
	defer mu.Unlock()
	// A clock set back (the admin API allows it) refills nothing, and the time already counted
	// is not counted again when it comes forward.
	if now.After(b.last) {
		b.tokens = math.Min(float64(a.Burst), b.tokens+now.Sub(b.last).Seconds()*a.Rate)
		b.last = now
	}
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	// Reset: when the bucket is full again; Retry-After: when one token is back.
	full := time.Duration((float64(a.Burst) - b.tokens) / a.Rate * float64(time.Second)).Round(time.Millisecond)
	h := map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(a.Limit),
		"X-RateLimit-Remaining": strconv.Itoa(int(b.tokens)),
		"X-RateLimit-Reset":     strconv.FormatInt(int64(math.Ceil(full.Seconds())), 10),
	}
	if !ok {
		wait := time.Duration((1 - b.tokens) / a.Rate * float64(time.Second)).Round(time.Millisecond)
		h["Retry-After"] = strconv.FormatInt(int64(math.Max(1, math.Ceil(wait.Seconds()))), 10)
	}
	return ok, h
}

func getBucket(m map[bucketKey]*bucket, key bucketKey, a *Action, now time.Time) *bucket {
	b, ok := m[key]
	if !ok {
		b = &bucket{tokens: float64(a.Burst), last: now}
		m[key] = b
	}
	return b
}
