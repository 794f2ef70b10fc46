package blobstore

import (
	"path/filepath"
	"testing"
)

// With deferred deletes an object leaves the store at once but stays on disk until Flush: a
// crash before the flush finds it again; after it, it is gone. An object stored again under
// the name keeps its new record.
func TestDeferredDeletes(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, nil)
	d := s.DeferDeletes()
	if d == nil {
		t.Fatal("a directory store gave no Deletions")
	}
	parts := s.Sibling() // a side store made after DeferDeletes defers too
	put(t, s, "gone", []byte("gone v1"), PutOptions{})
	put(t, s, "again", []byte("again v1"), PutOptions{})
	put(t, s, "later", []byte("deleted after the mark"), PutOptions{})
	put(t, parts, "part", []byte("a part"), PutOptions{})
	if _, waiting := d.Mark(); waiting {
		t.Fatal("deletes wait before any delete")
	}
	s.Delete("gone")
	s.Delete("again")
	parts.Delete("part")
	put(t, s, "again", []byte("again v2"), PutOptions{})
	if _, ok := s.Stat("gone"); ok {
		t.Fatal("a deleted object is still in the store")
	}
	mark, waiting := d.Mark()
	if !waiting {
		t.Fatal("no delete waits")
	}
	// A crash now: everything deleted is still on disk.
	crashed := openDir(t, dir, nil)
	for _, name := range []string{"gone", "again", "later"} {
		if _, ok := crashed.Stat(name); !ok {
			t.Errorf("before Flush a reopened store lacks %q", name)
		}
	}
	if got := string(stored(t, openDir(t, filepath.Join(dir, "side-1"), nil), "part")); got != "a part" {
		t.Errorf("before Flush the side store's part reads %q", got)
	}
	s.Delete("later") // after the mark: not flushed by it
	d.Flush(mark)
	if _, waiting := d.Mark(); !waiting {
		t.Error("the delete after the mark was flushed too")
	}
	after := openDir(t, dir, nil)
	if _, ok := after.Stat("gone"); ok {
		t.Error("after Flush a reopened store still has the deleted object")
	}
	if got := string(stored(t, after, "again")); got != "again v2" {
		t.Errorf("the object stored again reads %q after Flush, want v2", got)
	}
	if _, ok := after.Stat("later"); !ok {
		t.Error("the delete after the mark reached the disk")
	}
	if _, ok := openDir(t, filepath.Join(dir, "side-1"), nil).Stat("part"); ok {
		t.Error("after Flush the side store's part is still on disk")
	}
	// Content files: "again" v1's is gone, one per live object is left.
	if n := len(dirFiles(t, dir, "data")); n != 2 {
		t.Errorf("%d content files left, want 2 (again v2, later)", n)
	}
	m, _ := d.Mark()
	d.Flush(m)
	if _, waiting := d.Mark(); waiting {
		t.Error("deletes wait after a full Flush")
	}
	if New().DeferDeletes() != nil {
		t.Error("a store in memory defers deletes")
	}
	var none *Deletions
	if _, waiting := none.Mark(); waiting {
		t.Error("a nil Deletions has deletes waiting")
	}
	none.Flush(1)
}

// Reset with deferred deletes keeps the records until Flush, then removes every one.
func TestDeferredReset(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, nil)
	d := s.DeferDeletes()
	for _, n := range []string{"a", "b", "c"} {
		put(t, s, n, []byte(n), PutOptions{})
	}
	mark0, _ := d.Mark()
	s.Reset()
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Fatalf("after Reset: %d objects, %d bytes", s.Len(), s.Bytes())
	}
	if n := openDir(t, dir, nil).Len(); n != 3 {
		t.Fatalf("before Flush a reopened store holds %d objects, want 3", n)
	}
	d.Flush(mark0) // a mark from before the reset flushes nothing of it
	if n := openDir(t, dir, nil).Len(); n != 3 {
		t.Fatalf("a mark older than the reset flushed it: %d objects left", n)
	}
	mark, _ := d.Mark()
	d.Flush(mark)
	if n := openDir(t, dir, nil).Len(); n != 0 {
		t.Errorf("after Flush a reopened store holds %d objects", n)
	}
}

// A name stored, deleted, stored and deleted again across a mark: Flush up to the mark keeps
// the newer record (its delete came after the mark: a state written before the next Flush may
// still name it); the next Flush removes it.
func TestDeferredDeleteOfANameDeletedAgainAfterTheMark(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, nil)
	d := s.DeferDeletes()
	put(t, s, "n", []byte("first"), PutOptions{})
	s.Delete("n")
	mark, _ := d.Mark()
	put(t, s, "n", []byte("second"), PutOptions{})
	s.Delete("n")
	d.Flush(mark)
	if got := string(stored(t, openDir(t, dir, nil), "n")); got != "second" {
		t.Errorf("after Flush up to the first delete, n on disk reads %q, want the second object", got)
	}
	mark, _ = d.Mark()
	d.Flush(mark)
	if _, ok := openDir(t, dir, nil).Stat("n"); ok {
		t.Error("after the second Flush n is still on disk")
	}
	if n := len(dirFiles(t, dir, "data")); n != 0 {
		t.Errorf("%d content files left, want 0", n)
	}
}
