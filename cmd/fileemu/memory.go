package main

import (
	"os"
	"strconv"
	"strings"
)

// defaultMaxStorage sizes --max-storage to the machine: half of the memory this process may
// use (the cgroup's limit in a container, else the machine's), so stored uploads cannot take
// the host down; 4 GiB when neither can be read.
func defaultMaxStorage() int64 { return defaultHalfMemory() &^ (1<<20 - 1) } // whole MiB: readable in --help

func defaultHalfMemory() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			return n / 2
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
					return kb << 10 / 2
				}
			}
		}
	}
	return 4 << 30
}
