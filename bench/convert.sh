#!/usr/bin/env bash
# Compares the throughput of the nemsfhir converter with FHIR.js and with a
# bare XML parse by xmllint, on the same files in one run, and prints a
# table of medians and ratios.
#
#   bench/convert.sh            # 5 rounds per measurement
#   ROUNDS=9 bench/convert.sh
#
# Files: the NEMS examples (shared/corpus/nems-examples/*.xml) and two large
# STU3 definition bundles (profiles-types.xml, extension-definitions.xml).
# Files nemsfhir rejects are left out for every tool (bench/convbench says
# which). JSON->XML reads the JSON nemsfhir wrote for those files.
#
# Needs go. FHIR.js needs node and npm (fhir@4.12.0 is installed into
# bench/node_modules on first use); xmllint comes from the Debian package
# libxml2-utils. A missing optional tool skips its rows with a message.
# Without the shared reference data the script prints why and exits 0.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${NEMSFHIR_SHARED:-$root/../shared}
if [ -d "$shared" ]; then
	shared=$(cd "$shared" && pwd)
fi
rounds=${ROUNDS:-5}
out=$root/bench/out
fhirjs_version=4.12.0

case $rounds in '' | *[!0-9]* | 0)
	echo "convert.sh: ROUNDS must be a positive number, not '$rounds'" >&2
	exit 2
	;;
esac

if [ ! -d "$shared/corpus/nems-examples" ]; then
	echo "convert.sh: skipped: no reference data at $shared (set NEMSFHIR_SHARED to the shared folder)"
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "convert.sh: go is not on PATH; it is needed to measure nemsfhir" >&2
	exit 2
fi

files=("$shared"/corpus/nems-examples/*.xml
	"$shared/fhir/stu3/definitions/xml/profiles-types.xml"
	"$shared/fhir/stu3/definitions/xml/extension-definitions.xml")
for f in "${files[@]}"; do
	if [ ! -f "$f" ]; then
		echo "convert.sh: missing input $f" >&2
		exit 2
	fi
done

mkdir -p "$out"
results=$out/results.tsv
: >"$results"
notes=()

echo "== nemsfhir (Go, in-process), $rounds rounds" >&2
go run ./bench/convbench -out "$out" -rounds "$rounds" "${files[@]}" >>"$results"

echo "== FHIR.js $fhirjs_version (node, in-process), $rounds rounds" >&2
if ! command -v node >/dev/null 2>&1; then
	notes+=("FHIR.js skipped: node is not installed")
elif [ ! -f bench/node_modules/fhir/package.json ] &&
	! { command -v npm >/dev/null 2>&1 &&
		(cd bench && npm install --no-save --ignore-scripts --no-audit --no-fund "fhir@$fhirjs_version" >&2); }; then
	notes+=("FHIR.js skipped: could not install fhir@$fhirjs_version with npm into bench/node_modules")
else
	pkg=$shared/fhir/stu3/definitions/package-3.0.2/hl7.fhir.r3.examples-3.0.2.tgz
	if [ ! -d "$out/stu3/package" ]; then
		mkdir -p "$out/stu3"
		tar xzf "$pkg" -C "$out/stu3" --wildcards \
			'package/StructureDefinition-*' 'package/ValueSet-*' 'package/CodeSystem-*'
	fi
	node bench/fhirjs-convert.js --package "$out/stu3/package" \
		--xml-list "$out/xml.list" --json-list "$out/json.list" --rounds "$rounds" >>"$results"
fi

echo "== xmllint --noout (bare parse), $rounds rounds" >&2
if ! command -v xmllint >/dev/null 2>&1; then
	notes+=("xmllint skipped: not installed (apt-get install libxml2-utils)")
else
	mapfile -t xml <"$out/xml.list"
	bytes=$(cat "${xml[@]}" | wc -c)
	# --repeat parses each file 100 times in one process, so start-up
	# costs nothing worth counting. bash's time gives wall and CPU time.
	wall=() cpu=()
	for _ in $(seq "$rounds"); do
		times=$({
			TIMEFORMAT='%R %U %S'
			time xmllint --noout --nonet --repeat "${xml[@]}" 2>/dev/null
		} 2>&1)
		read -r real user sys <<<"$times"
		wall+=("$(awk -v b="$bytes" -v s="$real" 'BEGIN { printf "%.2f", b * 100 / 1e6 / s }')")
		cpu+=("$(awk -v b="$bytes" -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", b * 100 / 1e6 / (u + s) }')")
	done
	for clock in wall cpu; do
		declare -n speeds=$clock
		med=$(printf '%s\n' "${speeds[@]}" | sort -g |
			awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		printf 'xmllint\tparse XML\t%s\t%s\t%s\t%s\n' "$bytes" "$clock" "$med" "$(
			IFS=$'\t'
			echo "${speeds[*]}"
		)" >>"$results"
		unset -n speeds
	done
fi

nfiles=$(wc -l <"$out/xml.list")
echo
echo "Converter throughput in MB/s of input (10^6 bytes/s), median of $rounds rounds;"
echo "wall-clock and CPU time (user+system, all threads); ratios on CPU time, which"
echo "other work on the machine disturbs less."
echo "$nfiles files, $(cat "${files[@]}" | wc -c | awk '{ printf "%.2f", $1 / 1e6 }') MB given, NEMS examples + profiles-types.xml + extension-definitions.xml"
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?), $(date -u +%Y-%m-%d), $(go env GOVERSION), node $(node --version 2>/dev/null || echo -), $( (xmllint --version 2>&1 || true) | sed -n '1s/.*using //p')"
echo
awk -F'\t' '
	{ key = $1 "|" $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key; tool[n] = $1; op[n] = $2; bytes[n] = $3 }
	  speed[key "|" $4] = $5 }
	END {
		printf "%-9s %-10s %8s %10s %10s   %s\n", "tool", "operation", "MB in", "MB/s wall", "MB/s CPU", "nemsfhir vs this (CPU)"
		for (i = 1; i <= n; i++) {
			k = order[i]; c = speed[k "|cpu"]; ratio = ""
			if (tool[i] == "FHIR.js" && c > 0)
				ratio = sprintf("%.1fx as fast (target >= 20x)", speed["nemsfhir|" op[i] "|cpu"] / c)
			if (tool[i] == "xmllint" && c > 0)
				ratio = sprintf("XML->JSON at %.2f of its speed (target >= 0.33)", speed["nemsfhir|XML->JSON|cpu"] / c)
			printf "%-9s %-10s %8.2f %10.2f %10.2f   %s\n", tool[i], op[i], bytes[i] / 1e6, speed[k "|wall"], c, ratio
		}
	}' "$results"
for n in "${notes[@]+"${notes[@]}"}"; do
	echo "note: $n"
done
echo
echo "raw rounds: $results"
