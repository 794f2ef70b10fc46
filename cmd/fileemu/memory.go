package main

import (
	"log/slog"
	"os"
	"runtime/debug"
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

// setMemoryLimit gives the Go runtime a soft memory limit sized to what fileemu may hold (unless
// GOMEMLIMIT sets one): --max-storage, an eighth more for what is in flight beside it, the
// journal and 64 MiB for the rest. Without it the collector lets the heap reach twice what is
// live, so with the store full, uploads it refuses (read up to the bound, then garbage) took RSS
// towards twice --max-storage; with it the collector works harder only near the bound and RSS
// stays flat.
func setMemoryLimit(logger *slog.Logger, maxStorage, journalBytes int64) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		logger.Debug("memory limit from GOMEMLIMIT", "GOMEMLIMIT", v)
		return
	}
	limit := maxStorage + maxStorage/8 + journalBytes + 64<<20
	if maxStorage <= 0 || limit < 0 { // no bound on storage, or an overflow: no limit either
		return
	}
	debug.SetMemoryLimit(limit)
	logger.Debug("memory limit", "bytes", limit, "max_storage", maxStorage)
}
