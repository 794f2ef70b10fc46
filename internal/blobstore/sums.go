package blobstore

import (
	"crypto/md5"
	"crypto/sha256"
	"hash"
	"sync"
	"sync/atomic"
)

// sums works out the MD5 (the ETag) and SHA-256 of content as it is read, in order.
//
// Content in memory is fed (feed) a stored chunk at a time: chunks never change once full, so
// from the first whole chunk on each hash runs in a goroutine of its own over the chunks
// themselves, without a copy, while the next bytes are read. MD5 is the slowest step of a large
// upload (one core, 430–650 MB/s); hashed between reads, it held a presigned PUT to a third of
// that. A buffer that is reused (a directory store's) is written (write) instead and hashed
// before the call returns.
type sums struct {
	md5, sha hash.Hash
	// feeds are the hashers' queues, nil until the first large feed started them.
	feeds []chan []byte
	wg    sync.WaitGroup
	// stop tells the hashers to drop what is left: the content is thrown away.
	stop atomic.Bool
}

// parallelHash is the write from which MD5 and SHA-256 of a reused buffer are worked out side
// by side: MD5 runs at a third of SHA-256's speed. Below it a goroutine costs more than it saves.
const parallelHash = 64 << 10

// feedQueue is how many chunks (of chunkSize) a hasher may lag behind the reads: 8 MiB. The
// chunks are stored anyway, so the lag costs no memory; it only bounds the wait for the sums
// once the body has been read.
const feedQueue = 32

func newSums() *sums { return &sums{md5: md5.New(), sha: sha256.New()} }

// write adds b to both sums before it returns: b may be reused afterwards.
func (s *sums) write(b []byte) {
	if len(b) < parallelHash {
		s.md5.Write(b) // hash.Hash writes never fail
		s.sha.Write(b)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.md5.Write(b) })
	s.sha.Write(b)
	wg.Wait()
}

// feed adds b to both sums, possibly after it returns: b must never change again (a stored
// chunk). Content smaller than one chunk is hashed at once: starting the hashers would cost more.
func (s *sums) feed(b []byte) {
	if s.feeds == nil {
		if len(b) < chunkSize {
			s.write(b)
			return
		}
		s.start()
	}
	for _, f := range s.feeds {
		f <- b
	}
}

// start runs one hasher per hash. Everything written before is already in the sums, and the
// goroutines start after it, so the order of the bytes is kept.
func (s *sums) start() {
	for _, h := range []hash.Hash{s.md5, s.sha} {
		f := make(chan []byte, feedQueue)
		s.feeds = append(s.feeds, f)
		s.wg.Go(func() {
			for b := range f {
				if !s.stop.Load() {
					h.Write(b)
				}
			}
		})
	}
}

// finish waits for the hashers and returns the sums of everything fed and written.
func (s *sums) finish() (md5Sum, sha256Sum []byte) {
	s.wait()
	return s.md5.Sum(nil), s.sha.Sum(nil)
}

// abandon stops the hashers: the content was not stored, its sums are not needed.
func (s *sums) abandon() {
	s.stop.Store(true)
	s.wait()
}

func (s *sums) wait() {
	for _, f := range s.feeds {
		close(f)
	}
	s.feeds = nil
	s.wg.Wait()
}
