#!/usr/bin/env bash
# Throughput and peak memory of "nemsfhir validate --quiet" over a generated
# corpus, with 1 and 2 workers, by default and with the schema audit
# (--schema). The corpus goes into a temporary folder
# outside the repository and is removed at the end.
#
#   bench/validate-corpus.sh [N]      (N payloads, default 100000)
#
# Peak RSS comes from GNU time (/usr/bin/time -v, Debian package "time",
# installed when missing). The target is a peak under 256 MB whatever N.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
target_mb=256

if [ ! -x /usr/bin/time ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nemsfhir-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -tags libxml2 -o "$work/nemsfhir" ./cmd/nemsfhir # with the XSD check for --schema
go build -o "$work/gen" ./corpus/gen

echo "generating $n payloads into $work/corpus"
start=$(date +%s.%N)
"$work/gen" -n "$n" -o "$work/corpus" -seed 1
echo "  generated in $(echo "$(date +%s.%N) - $start" | bc) s"
files=$(find "$work/corpus" -type f \( -name '*.xml' -o -name '*.json' \) | wc -l)
bytes=$(find "$work/corpus" -type f \( -name '*.xml' -o -name '*.json' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "  $files files, $(echo "scale=1; $bytes/1048576" | bc) MB"

status=0
printf '\n%-8s %-9s %10s %10s %10s %12s %s\n' workers mode seconds files/s MB/s "peak RSS MB" verdict
# The default (every model phase) and the schema audit (--schema) on top.
for mode in default --schema; do
	args=()
	[ "$mode" = default ] || args=("$mode")
	for w in 1 2; do
		log="$work/time-$w.txt"
		start=$(date +%s.%N)
		# Exit status 1 is expected: the corpus holds invalid payloads.
		/usr/bin/time -v -o "$log" "$work/nemsfhir" validate --quiet --jobs "$w" "${args[@]}" "$work/corpus" >"$work/out-$w.txt" || true
		secs=$(echo "$(date +%s.%N) - $start" | bc)
		rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
		rss_mb=$(echo "scale=1; $rss_kb/1024" | bc)
		verdict=ok
		if [ "$(echo "$rss_mb >= $target_mb" | bc)" = 1 ]; then
			verdict="OVER ${target_mb} MB"
			status=1
		fi
		printf '%-8s %-9s %10.1f %10.0f %10.2f %12s %s\n' "$w" "$mode" "$secs" "$(echo "$files/$secs" | bc -l)" "$(echo "$bytes/1048576/$secs" | bc -l)" "$rss_mb" "$verdict"
		echo "         $(tail -n 1 "$work/out-$w.txt")"
	done
done
echo
echo "Machine: $(nproc) cores; shared machines give noisy numbers."
exit $status
