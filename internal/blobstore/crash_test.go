package blobstore

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv makes the test binary a crash child (see crashChild) storing in the directory
// it names.
const crashChildEnv = "BLOBSTORE_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir, os.Getenv("BLOBSTORE_CRASH_CHILD_RUN"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild stores objects into dir from two goroutines until it is killed, printing
// "put NAME SHA256" after each Put returned, and "deleting NAME" / "deleted NAME" around
// the Delete of every fifth object.
func crashChild(dir, run string) {
	s, err := OpenDir(dir, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	worker := func(w int) {
		rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
		buf := make([]byte, 1<<20)
		for i := 0; ; i++ {
			name := fmt.Sprintf("run %s/worker %d/../obj %d", run, w, i)
			b := buf[:rng.IntN(len(buf))]
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			obj, err := s.Put(context.Background(), name, strings.NewReader(string(b)), PutOptions{})
			if err != nil {
				say("error %v", err)
				os.Exit(1)
			}
			say("put %q %s", name, obj.SHA256)
			if i%5 == 4 {
				victim := fmt.Sprintf("run %s/worker %d/../obj %d", run, w, i-2)
				say("deleting %q", victim)
				s.Delete(victim)
				say("deleted %q", victim)
			}
		}
	}
	go worker(1)
	worker(2)
}

// TestDirCrashSafety kills a process storing objects (SIGKILL) mid-burst, several times, and
// checks after each kill that every object whose Put had returned is intact, that deleted
// objects stay deleted, and that nothing half-stored is visible.
func TestDirCrashSafety(t *testing.T) {
	dir := t.TempDir()
	want := map[string]string{} // name -> SHA-256 of every object that must be there
	for run := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprint("BLOBSTORE_CRASH_CHILD_RUN=", run))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Kill at a random moment once the burst runs.
		first := <-lines
		timer := time.AfterFunc(time.Duration(50+rand.IntN(250))*time.Millisecond, func() {
			cmd.Process.Signal(syscall.SIGKILL)
		})
		deleting := map[string]bool{} // deletes that had not returned when the child died
		printed := 0
		for _, line := range append([]string{first}, drain(lines)...) {
			var name, sum string
			switch {
			case strings.HasPrefix(line, "put "):
				if _, err := fmt.Sscanf(line, "put %q %s", &name, &sum); err != nil {
					t.Fatalf("child said %q: %v", line, err)
				}
				want[name] = sum
				printed++
			case strings.HasPrefix(line, "deleting "):
				fmt.Sscanf(line, "deleting %q", &name)
				deleting[name] = true
			case strings.HasPrefix(line, "deleted "):
				fmt.Sscanf(line, "deleted %q", &name)
				delete(deleting, name)
				delete(want, name)
			default:
				t.Fatalf("child said %q", line)
			}
		}
		timer.Stop()
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("run %d: the child ended with %v, not by SIGKILL", run, err)
		}

		s, err := OpenDir(dir, nil)
		if err != nil {
			t.Fatalf("run %d: reopening after the kill: %v", run, err)
		}
		for name, sum := range want {
			obj, ok := s.Stat(name)
			if !ok && deleting[name] {
				delete(want, name) // its Delete went through before the kill
				continue
			}
			if !ok || obj.SHA256 != sum {
				t.Errorf("run %d: %q: stored %+v (found %v), want SHA-256 %s", run, name, obj, ok, sum)
			}
		}
		unexpected := 0
		for _, obj := range s.List("") {
			if got := contentSHA256(t, s, obj.Name); got != obj.SHA256 {
				t.Errorf("run %d: %q holds content with SHA-256 %s, its record says %s", run, obj.Name, got, obj.SHA256)
			}
			if _, ok := want[obj.Name]; !ok {
				// A Put that committed but was killed before it printed: whole, as checked above.
				unexpected++
				want[obj.Name] = obj.SHA256
			}
		}
		// Two workers: at most one Put each was in flight.
		if unexpected > 2 {
			t.Errorf("run %d: %d objects nobody was told about", run, unexpected)
		}
		if n := len(dirFiles(t, dir, "data")); n != s.Len() {
			t.Errorf("run %d: %d content files for %d objects", run, n, s.Len())
		}
		if tmp := dirFiles(t, dir, "tmp"); len(tmp) != 0 {
			t.Errorf("run %d: tmp/ = %v", run, tmp)
		}
		t.Logf("run %d: killed after %d puts; %d objects stored, %d committed unannounced", run, printed, s.Len(), unexpected)
	}
}

func contentSHA256(t *testing.T, s *Store, name string) string {
	t.Helper()
	_, r, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func drain(c <-chan string) []string {
	var all []string
	for l := range c {
		all = append(all, l)
	}
	return all
}
