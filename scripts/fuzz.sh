#!/bin/sh
# Runs every fuzz target of the module for FUZZTIME each, one after the other (go test -fuzz
# takes one target per invocation), then lists the targets it ran with their executions.
#   FUZZTIME  time (or NNNx executions) per target, default 30s
#   FUZZ      an extended regexp: only targets whose package/name matches it
#   FUZZMINIMIZETIME  time spent minimising each new interesting or failing input, default 3s
#             (go's default, 60s, stalls the slower end-to-end targets on every new input)
#   GO        the go command, default go
# A failing target does not stop the run; the input that failed is written to the package's
# testdata/fuzz/<Target>/ (commit it as a regression seed), and the script exits 1 at the end.
set -u
FUZZTIME=${FUZZTIME:-30s}
FUZZ=${FUZZ:-.}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-3s}
GO=${GO:-go}
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Each target as "./dir Name", from the test files git knows plus new ones not yet added.
targets=$( { git ls-files -co --exclude-standard -- '*_test.go' 2>/dev/null || find . -name '*_test.go'; } |
	xargs grep -H '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' |
	sed -E 's#^(\./)?(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#./\2 \3#' |
	sort -u | grep -E -- "$FUZZ")
if [ -z "$targets" ]; then
	echo "fuzz: no target matches FUZZ=$FUZZ" >&2
	exit 1
fi

summary=""
failed=0
n=$(echo "$targets" | wc -l | tr -d ' ')
i=0
echo "$targets" | {
	while read -r pkg name; do
		i=$((i + 1))
		echo "== [$i/$n] $pkg $name ($FUZZTIME)"
		if "$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg" >"$log" 2>&1; then
			result=ok
		else
			result=FAIL
			failed=1
			grep -v '^fuzz: elapsed' "$log" | tail -n 30
		fi
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
		summary="$summary$(printf '%-4s %-28s %-26s %s execs' "$result" "$pkg" "$name" "${execs:-?}")
"
	done
	echo
	echo "fuzz targets run ($n, $FUZZTIME each):"
	printf '%s' "$summary"
	exit $failed
}
