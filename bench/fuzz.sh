#!/usr/bin/env bash
# Runs every fuzz target of the repository for a short while each, one after
# the other, and says which ones found a failing input.
#
#   bench/fuzz.sh                 # 10 s per target
#   FUZZTIME=60s bench/fuzz.sh    # longer
#   bench/fuzz.sh FuzzParseJSON   # only the targets whose name matches
#
# The targets are found with `go test -list` over every package, so a new
# Fuzz function is picked up without editing this script. A failing input
# is written by go test to testdata/fuzz/<Target>/ of its package, where it
# stays as a regression seed that plain `go test` replays; the script goes
# on with the other targets and exits 1 at the end if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
filter=${1:-.}
failed=()
start=$SECONDS
count=0

mapfile -t pkgs < <(go list ./...)
for pkg in "${pkgs[@]}"; do
	mapfile -t targets < <(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' | grep -E -- "$filter")
	for target in "${targets[@]}"; do
		count=$((count + 1))
		t0=$SECONDS
		log=$(mktemp)
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1
		status=$?
		# With a short -fuzztime on a loaded machine, go test may still be
		# replaying the corpus when the time is up and then reports
		# "context deadline exceeded" without any failing input: a limit
		# of the toolchain, not a finding. Such a run is tried once more
		# with ten seconds.
		if [ $status -ne 0 ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
			go test -run '^$' -fuzz "^${target}\$" -fuzztime 10s "$pkg" >"$log" 2>&1
			status=$?
		fi
		if [ $status -eq 0 ]; then
			execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
			printf 'ok    %-28s %-55s %4ds  %s execs\n' "$target" "${pkg#github.com/nemsfhir/nemsfhir/}" $((SECONDS - t0)) "${execs:-?}"
		else
			printf 'FAIL  %-28s %-55s %4ds\n' "$target" "${pkg#github.com/nemsfhir/nemsfhir/}" $((SECONDS - t0))
			grep -E -A12 -- '--- FAIL|panic:|Failing input' "$log" | head -30 | sed 's/^/      /'
			failed+=("$target")
		fi
		rm -f "$log"
	done
done
echo "$count targets, ${fuzztime} each, $((SECONDS - start)) s in all; load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
	exit 1
fi
