package blobstore

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrStorageFull: storing would take the stores sharing a Quota past its limit. Nothing was
// stored.
var ErrStorageFull = errors.New("storage limit reached")

// Quota bounds the bytes held by every store that shares it: all sessions' objects and
// uploads in progress. Bytes are reserved as they are read, so an upload that would cross
// the limit fails at that point and holds nothing afterwards.
type Quota struct {
	limit int64 // <= 0: unlimited
	used  atomic.Int64
}

// NewQuota returns a quota of limit bytes (<= 0: unlimited, only counted).
func NewQuota(limit int64) *Quota { return &Quota{limit: limit} }

// Limit returns the bound in bytes (<= 0: none).
func (q *Quota) Limit() int64 {
	if q == nil {
		return 0
	}
	return q.limit
}

// Used returns the bytes held now.
func (q *Quota) Used() int64 {
	if q == nil {
		return 0
	}
	return q.used.Load()
}

func (q *Quota) reserve(n int64) error {
	if q == nil || n <= 0 {
		return nil
	}
	if q.limit <= 0 {
		q.used.Add(n)
		return nil
	}
	for {
		u := q.used.Load()
		if u+n > q.limit {
			return fmt.Errorf("%w: %d of %d bytes in use", ErrStorageFull, u, q.limit)
		}
		if q.used.CompareAndSwap(u, u+n) {
			return nil
		}
	}
}

func (q *Quota) release(n int64) {
	if q != nil && n > 0 {
		q.used.Add(-n)
	}
}

// Quota returns the quota s counts against (nil: none).
func (s *Store) Quota() *Quota { return s.quota }
