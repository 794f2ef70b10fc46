package blobstore

import "sync"

// Deletions holds the deletes of a directory store and its siblings that are not on disk yet.
//
// A data directory writes the state that names a session's objects after the request that
// changed it (emulator/persist.go). Were a deleted object's record removed at once, a crash
// before that write would leave a state naming an object that is gone, and the next start
// would refuse the directory. So a store with deferred deletes forgets the object at once
// (reads, lists and the quota see it gone) and removes its files only when Flush is called,
// after the state is written: a crash in between leaves at worst an object no state names.
type Deletions struct {
	mu   sync.Mutex
	seq  uint64 // of the last delete
	list []deletion
}

// deletion is one object that left the index of s and is still on disk.
type deletion struct {
	seq uint64
	s   *Store
	e   *entry
}

// DeferDeletes makes the deletes of s and of its siblings (present and future) wait on disk
// until Flush, and returns the Deletions to flush. A store in memory has nothing on disk: it
// returns nil and deletes stay immediate.
func (s *Store) DeferDeletes() *Deletions {
	if _, ok := s.be.(*directory); !ok {
		return nil
	}
	d := &Deletions{}
	s.mu.Lock()
	s.deferred.Store(d)
	siblings := s.siblings
	s.mu.Unlock()
	for _, c := range siblings {
		c.deferred.Store(d)
	}
	return d
}

// Deletions returns what DeferDeletes returned for s (or the store s is a sibling of), nil if
// deletes are immediate.
func (s *Store) Deletions() *Deletions {
	return s.deferred.Load() // no lock: the persist stage asks on every request
}

// dropLocked removes es, which just left the index of s, from the backend now or, with
// deferred deletes, at the next Flush. Call with s.mu held.
func (s *Store) dropLocked(es ...*entry) {
	d := s.deferred.Load()
	if d == nil {
		s.be.drop(es...)
		return
	}
	d.add(s, es)
}

func (d *Deletions) add(s *Store, es []*entry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range es {
		d.seq++
		d.list = append(d.list, deletion{seq: d.seq, s: s, e: e})
	}
}

// Mark returns the position of the last delete so far, for Flush, and whether any delete is
// waiting. A nil Deletions has none.
func (d *Deletions) Mark() (mark uint64, waiting bool) {
	if d == nil {
		return 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seq, len(d.list) > 0
}

// Flush removes from disk every delete made up to mark. An object stored again under the
// same name since keeps its new record (only the old content goes).
func (d *Deletions) Flush(mark uint64) {
	if d == nil {
		return
	}
	d.mu.Lock()
	var due []deletion
	keep := d.list[:0]
	for _, x := range d.list {
		if x.seq <= mark {
			due = append(due, x)
		} else {
			keep = append(keep, x)
		}
	}
	clear(d.list[len(keep):]) // no pointers kept to flushed entries
	d.list = keep
	if len(keep) == 0 {
		d.list = nil // a Reset of many objects does not keep its list's memory
	}
	// A name deleted again after the mark may have a newer record on disk, which a state
	// written before the next Flush can still name: only its old content goes now.
	later := make(map[*Store]map[string]bool)
	for _, x := range keep {
		if later[x.s] == nil {
			later[x.s] = map[string]bool{}
		}
		later[x.s][x.e.obj.Name] = true
	}
	d.mu.Unlock()
	for len(due) > 0 {
		s := due[0].s
		var gone, replaced []*entry
		rest := due[:0]
		s.mu.Lock() // a Put commits under it: the name's record cannot change while it is decided
		for _, x := range due {
			switch {
			case x.s != s:
				rest = append(rest, x)
			case s.objects[x.e.obj.Name] != nil, later[s][x.e.obj.Name]:
				replaced = append(replaced, x.e)
			default:
				gone = append(gone, x.e)
			}
		}
		if len(gone) > 0 {
			s.be.drop(gone...)
		}
		for _, e := range replaced {
			s.be.replaced(e)
		}
		s.mu.Unlock()
		due = rest
	}
}
