package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/scenarios"
)

// lint checks scenario files and directories as --scenarios takes them, together as they would
// load (a name defined twice across files is an error too), and prints every problem as
// file:line:column: message. Fixture files (a top-level "fixtures" key) are checked as
// --fixtures loads them, contents resolved. It exits 1 on any problem, 2 without arguments.
func lint(paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: fileemu lint FILE|DIR...")
		return 2
	}
	emu, err := emulator.New(emulator.Config{})
	if err != nil {
		fmt.Fprintln(stderr, "fileemu:", err)
		return 1
	}
	cat := emu.Scenarios().Catalog()
	docs := map[string][]byte{}
	var order []string
	bad := 0
	for _, p := range paths {
		names, err := scenarios.Expand(p)
		if err == nil && len(names) == 0 {
			err = fmt.Errorf("%s: no scenario files (*%s)", p, joinExts())
		}
		for _, n := range names {
			var data []byte
			if data, err = os.ReadFile(n); err != nil {
				break
			}
			docs[n] = data
			order = append(order, n)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
		}
	}
	fixtureOK, fixtureBad := lintFixtures(docs, stdout, stderr)
	bad += fixtureBad
	err = scenarios.NewEngine(cat, time.Now).LoadFiles(docs)
	var es scenarios.Errors
	errors.As(err, &es)
	failed := map[string]bool{}
	for _, e := range es {
		fmt.Fprintln(stderr, e)
		failed[e.File] = true
	}
	bad += len(es)
	for _, f := range order {
		if fixtureOK[f] != "" {
			fmt.Fprintf(stdout, "%s: ok (fixtures: %s)\n", f, fixtureOK[f])
			continue
		}
		if _, fixture := fixtureOK[f]; !fixture && !failed[f] {
			scs, _ := scenarios.Parse(f, docs[f], cat)
			fmt.Fprintf(stdout, "%s: ok (%s)\n", f, plural(len(scs), "scenario"))
		}
	}
	if bad > 0 {
		fmt.Fprintln(stderr, plural(bad, "problem"))
		return 1
	}
	return 0
}

// lintFixtures checks the fixture files among docs (and takes them out of docs): each parsed
// with its contents resolved, then all merged as --fixtures merges them. It returns, by file,
// what a good file declares ("" for a bad one), and the number of problems.
func lintFixtures(docs map[string][]byte, stdout, stderr io.Writer) (map[string]string, int) {
	out := map[string]string{}
	var names []string
	for n, data := range docs {
		if fixtures.IsFixture(data) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	bad := 0
	var parsed []*fixtures.Document
	for _, n := range names {
		doc, err := fixtures.Parse(n, docs[n], fixtures.Options{Dir: filepath.Dir(n)})
		delete(docs, n)
		out[n] = ""
		var es scenarios.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(stderr, e)
			}
			bad += len(es)
			continue
		}
		c := fixtures.Summary(doc)
		out[n] = plural(c.Weavy.Apps+c.Weavy.Files+c.Desk.Files+c.Haufe.Files+c.Haufe.Threads+c.FilesRO.Shares+
			c.FilesRO.Folders+c.FilesRO.Files+c.S3.Buckets+c.S3.Objects, "object")
		parsed = append(parsed, doc)
	}
	if _, err := fixtures.Merge(parsed); err != nil {
		fmt.Fprintln(stderr, err)
		bad++
	}
	return out, bad
}

// plural says "1 problem", "3 problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func joinExts() string {
	out := ""
	for i, e := range scenarios.FileExtensions {
		if i > 0 {
			out += ", *"
		}
		out += e
	}
	return out
}
