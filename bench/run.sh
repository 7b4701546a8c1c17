#!/usr/bin/env bash
# One command for the whole comparison: builds nemsfhir and the peers,
# makes the corpora, runs every tool on the same files at equal cores, and
# prints a markdown table of medians and ratios.
#
#   bench/run.sh                   # 3 rounds, about 2,000 generated XML messages
#   ROUNDS=5 N=500 bench/run.sh
#
# Tools, all pinned to one core (taskset -c 0; nemsfhir with one worker):
#   nemsfhir validate / convert     the CLI, one process per pass (start-up included)
#   FHIR.js 4.12.0 (node)           loaded for STU3 from the package's own
#                                   definitions; timed in-process, load excluded
#   google/fhir/go v0.7.4           STU3 JSON, validating unmarshaller; its own
#                                   module in bench/googlefhir; timed in-process
#   xmllint --schema fhir-single.xsd and xmllint --noout (the floor), one process a pass
# Corpora: the NEMS examples (XML, JSON twins written by nemsfhir convert),
# N messages from corpus/gen (XML, JSON twins likewise), the official
# STU3 JSON examples, and nems2k: 2,000 files, round-robin copies of every
# top-level XML example of corpus/nems-examples (31 files today; issue 15
# counted 29), on which nemsfhir (default and --schema) is timed against
# xmllint --schema, as issue 15's "Done when" asks.
# Cold start: one message, each command started 20 times by bench/spawn
# (fork/exec to wait, nothing else spawned in the timing), median wall and
# CPU (user + system) time.
#
# Setup (not runtime) needs the network once: npm installs fhir@4.12.0 into
# bench/node_modules and go fetches google/fhir/go. Debian packages used
# when present: libxml2-utils (xmllint), time (/usr/bin/time).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${NEMSFHIR_SHARED:-$root/../shared}
rounds=${ROUNDS:-3}
n=${N:-3800} # corpus/gen payloads; about half are XML event messages
out=$root/bench/out/run
fhirjs_version=4.12.0
pin=(taskset -c 0)
command -v taskset >/dev/null || pin=()

if [ ! -d "$shared/corpus/nems-examples" ]; then
	echo "run.sh: skipped: no reference data at $shared (set NEMSFHIR_SHARED)"
	exit 0
fi
shared=$(cd "$shared" && pwd)
for tool in go xmllint /usr/bin/time node npm; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (see the header of this script)" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out/lists" "$out/corpora" "$out/tmp"
results=$out/results.tsv
: >"$results"

echo "== build" >&2
# With the XSD check (-tags libxml2), as the published figures were
# measured: every phase on.
go build -tags libxml2 -o "$out/nemsfhir" ./cmd/nemsfhir
go build -tags libxml2 -o "$out/validatebench" ./bench/validatebench
go build -o "$out/spawn" ./bench/spawn
(cd bench/googlefhir && go build -o "$out/googlefhir" .)
if [ ! -f bench/node_modules/fhir/package.json ]; then
	(cd bench && npm install --no-save --ignore-scripts --no-audit --no-fund "fhir@$fhirjs_version" >&2)
fi
pkg=$out/stu3/package
mkdir -p "$out/stu3"
tar xzf "$shared/fhir/stu3/definitions/package-3.0.2/hl7.fhir.r3.examples-3.0.2.tgz" -C "$out/stu3" \
	--wildcards 'package/StructureDefinition-*' 'package/ValueSet-*' 'package/CodeSystem-*'
xsd=$shared/fhir/stu3/xsd/fhir-single.xsd
nf=$out/nemsfhir

echo "== corpora" >&2
# twins LIST DIR: JSON twins of the XML files in LIST, written by nemsfhir
# convert into DIR; prints the JSON files that were written.
twins() {
	mkdir -p "$2"
	xargs -a "$1" "$nf" convert --force --to json -o "$2" >/dev/null 2>&1 || true
	find "$2" -name '*.json' | sort
}
ls "$shared"/corpus/nems-examples/*.xml >"$out/lists/nems.xml"
twins "$out/lists/nems.xml" "$out/corpora/nems-json" >"$out/lists/nems.json"
if [ -d corpus/gen ]; then
	go run ./corpus/gen -n "$n" -o "$out/corpora/gen" >/dev/null
else
	echo "run.sh: corpus/gen is missing" >&2
	exit 2
fi
find "$out/corpora/gen" -name '*.xml' | sort >"$out/lists/gen.xml"
twins "$out/lists/gen.xml" "$out/corpora/gen-json" >"$out/lists/gen.json"
ls "$shared"/fhir/stu3/examples/json/*.json >"$out/lists/stu3.json"
: >"$out/lists/stu3.xml"
# nems2k: 2,000 copies, in turn, of every top-level NEMS XML example.
mkdir -p "$out/corpora/nems2k"
mapfile -t nemsxml <"$out/lists/nems.xml"
for ((i = 0; i < 2000; i++)); do
	src=${nemsxml[i % ${#nemsxml[@]}]}
	printf -v dst '%s/%04d-%s' "$out/corpora/nems2k" "$i" "${src##*/}"
	cp "$src" "$dst"
	echo "$dst"
done >"$out/lists/nems2k.xml"
: >"$out/lists/nems2k.json"

bytes_of() { if [ -s "$1" ]; then xargs -a "$1" cat | wc -c; else echo 0; fi; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# proc CORPUS TOOL OP LIST ACCEPTED-CMD -- CMD...: runs CMD (which reads the
# files of LIST) ROUNDS times, one process a pass, and records the median
# wall time and the peak RSS.
proc() {
	local corpus=$1 tool=$2 op=$3 list=$4 accepted=$5
	shift 6
	[ -s "$list" ] || return 0
	local files bytes walls=() rss=0
	files=$(wc -l <"$list")
	bytes=$(bytes_of "$list")
	for _ in $(seq "$rounds"); do
		/usr/bin/time -f '%e %M' -o "$out/tmp/time" "${pin[@]}" "$@" >"$out/tmp/stdout" 2>"$out/tmp/stderr" || true
		# time(1) puts "Command exited with non-zero status" first.
		read -r wall kb < <(tail -1 "$out/tmp/time") || true
		walls+=("$wall")
		[ "${kb:-0}" -gt "$rss" ] && rss=$kb
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$tool" "$op" "$files" "$bytes" \
		"$($accepted)" "$(printf '%s\n' "${walls[@]}" | median)" "$rss" >>"$results"
}
# xargs may split a long file list over several processes: add up every
# summary line.
nf_accepted() { sed -n 's/.* checked: \([0-9]*\) valid.*/\1/p' "$out/tmp/stdout" | awk '{n += $1} END {print n + 0}'; }
lint_accepted() { grep -c ' validates$' "$out/tmp/stderr" || true; }
conv_accepted() { find "$out/tmp/conv" -type f | wc -l; }
none() { echo -; }

# The generated corpus dates its messages in 2024; judge date and age rules
# at a fixed clock so that its verdicts do not drift with the calendar.
clock=2025-01-01T00:00:00Z

echo "== nems2k: nemsfhir default and --schema, xmllint --schema" >&2
xml=$out/lists/nems2k.xml
proc nems2k nemsfhir "validate XML" "$xml" nf_accepted -- xargs -a "$xml" "$nf" validate --jobs 1 --now "$clock" -q
proc nems2k nemsfhir "validate XML --schema" "$xml" nf_accepted -- xargs -a "$xml" "$nf" validate --jobs 1 --now "$clock" -q --schema
proc nems2k xmllint "--schema fhir-single.xsd" "$xml" lint_accepted -- xargs -a "$xml" xmllint --noout --nonet --schema "$xsd"
proc nems2k xmllint "--noout" "$xml" none -- xargs -a "$xml" xmllint --noout --nonet

for corpus in nems gen stu3; do
	xml=$out/lists/$corpus.xml json=$out/lists/$corpus.json
	echo "== $corpus: nemsfhir, xmllint" >&2
	proc "$corpus" nemsfhir "validate XML" "$xml" nf_accepted -- xargs -a "$xml" "$nf" validate --jobs 1 --now "$clock" -q
	proc "$corpus" nemsfhir "validate JSON" "$json" nf_accepted -- xargs -a "$json" "$nf" validate --jobs 1 --now "$clock" -q
	# The schema audit (off by default) on the same files.
	proc "$corpus" nemsfhir "validate XML --schema" "$xml" nf_accepted -- xargs -a "$xml" "$nf" validate --jobs 1 --now "$clock" -q --schema
	proc "$corpus" nemsfhir "validate JSON --schema" "$json" nf_accepted -- xargs -a "$json" "$nf" validate --jobs 1 --now "$clock" -q --schema
	rm -rf "$out/tmp/conv"
	proc "$corpus" nemsfhir "XML->JSON" "$xml" conv_accepted -- xargs -a "$xml" "$nf" convert -j 1 --force --to json -o "$out/tmp/conv"
	rm -rf "$out/tmp/conv"
	proc "$corpus" nemsfhir "JSON->XML" "$json" conv_accepted -- xargs -a "$json" "$nf" convert -j 1 --force --to xml -o "$out/tmp/conv"
	proc "$corpus" xmllint "--schema fhir-single.xsd" "$xml" lint_accepted -- xargs -a "$xml" xmllint --noout --nonet --schema "$xsd"
	proc "$corpus" xmllint "--noout" "$xml" none -- xargs -a "$xml" xmllint --noout --nonet

	echo "== $corpus: nemsfhir in-process" >&2
	for fmt in xml json; do
		list=$out/lists/$corpus.$fmt
		[ -s "$list" ] || continue
		/usr/bin/time -f '%M' -o "$out/tmp/time" "${pin[@]}" env GOMAXPROCS=1 "$out/validatebench" \
			-rounds "$rounds" -list "$list" -format "${fmt^^}" -now "$clock" >"$out/tmp/vb.tsv"
		awk -F'\t' -v c="$corpus" -v rss="$(cat "$out/tmp/time")" \
			'{ printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, $1, $2, $3, $4, $5, $6, rss }' "$out/tmp/vb.tsv" >>"$results"
	done

	echo "== $corpus: google/fhir" >&2
	if [ -s "$json" ]; then
		/usr/bin/time -f '%M' -o "$out/tmp/time" "${pin[@]}" "$out/googlefhir" -rounds "$rounds" -list "$json" >"$out/tmp/g.tsv"
		awk -F'\t' -v c="$corpus" -v rss="$(cat "$out/tmp/time")" \
			'{ printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, $1, $2, $3, $4, $5, $6, rss }' "$out/tmp/g.tsv" >>"$results"
	fi

	echo "== $corpus: FHIR.js" >&2
	ops="validate XML,validate JSON,XML->JSON,JSON->XML"
	[ -s "$xml" ] || ops="validate JSON,JSON->XML"
	/usr/bin/time -f '%M' -o "$out/tmp/time" "${pin[@]}" node bench/fhirjs-convert.js --package "$pkg" \
		--xml-list "$xml" --json-list "$json" --rounds "$rounds" --ops "$ops" >"$out/tmp/js.tsv" 2>"$out/tmp/js.err" || cat "$out/tmp/js.err" >&2
	rss=$(tail -1 "$out/tmp/time")
	# FHIR.js lines give MB/s over the files it could handle; turn them
	# into seconds per pass over those bytes.
	awk -F'\t' -v c="$corpus" -v rss="$rss" -v xf="$(wc -l <"$xml")" -v jf="$(wc -l <"$json")" '
		$1 == "#accepted" { acc[$3] = $4; next }
		$4 == "wall" {
			files = ($2 ~ /XML$|^XML/) ? xf : jf
			if ($2 == "JSON->XML") files = jf
			if ($2 == "XML->JSON") files = xf
			a = ($2 in acc) ? acc[$2] : "-"
			printf "%s\tFHIR.js\t%s\t%s\t%s\t%s\t%.4f\t%s\n", c, $2, files, $3, a, ($3 / 1e6) / $5, rss
		}' "$out/tmp/js.tsv" >>"$results"
done

echo "== cold start (one message, 20 runs)" >&2
one=$shared/corpus/nems-examples/vaccinations-1-new.xml
onejs=$out/corpora/nems-json/vaccinations-1-new.json
cold=$out/cold.tsv
: >"$cold"
coldrun() { # NAME CMD...: bench/spawn's line for 20 runs (the spawner is
	# pinned, so the command runs on the same core without a taskset of
	# its own in the figure)
	local name=$1
	shift
	"${pin[@]}" "$out/spawn" -runs 20 -warmup 2 -name "$name" -- "$@" >>"$cold" ||
		printf '%s\t-\t-\t-\t-\t0\tnot run\n' "$name" >>"$cold"
}
coldrun "nemsfhir validate one.xml" "$nf" validate --jobs 1 "$one"
coldrun "nemsfhir validate one.json" "$nf" validate --jobs 1 "$onejs"
coldrun "nemsfhir validate --schema one.xml" "$nf" validate --jobs 1 --schema "$one"
coldrun "nemsfhir validate --schema one.json" "$nf" validate --jobs 1 --schema "$onejs"
coldrun "xmllint --schema fhir-single.xsd one.xml" xmllint --noout --nonet --schema "$xsd" "$one"
coldrun "xmllint --noout one.xml" xmllint --noout --nonet "$one"
coldrun "google/fhir one.json" "$out/googlefhir" "$onejs"
coldrun "FHIR.js one.json (loads STU3 first)" node bench/fhirjs-convert.js --package "$pkg" --one "$onejs"

# The table.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "Machine: $(nproc) cores, $cpu; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)."
echo "$(go env GOVERSION), node $(node --version), $(xmllint --version 2>&1 | head -1 | sed 's/^xmllint: //'). Every tool on one core (taskset -c 0); median of $rounds rounds."
echo
echo "| corpus | tool | operation | files | accepted | MB | median s | msg/s | MB/s | peak RSS MB | nemsfhir is |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
awk -F'\t' '
	{ row[NR] = $0; c[NR] = $1; t[NR] = $2; o[NR] = $3; f[NR] = $4; b[NR] = $5; a[NR] = $6; s[NR] = $7; r[NR] = $8
	  rate[NR] = ($7 > 0) ? $4 / $7 : 0
	  if ($2 == "nemsfhir") nems[$1 "|" $3] = rate[NR] }
	END {
		for (i = 1; i <= NR; i++) {
			if (o[i] ~ /, in-process, /) continue # in the table below
			op = o[i]
			if (t[i] == "xmllint") op = "validate XML"
			if (t[i] == "google/fhir") op = "validate JSON"
			ratio = "-"
			if (t[i] != "nemsfhir" && rate[i] > 0 && (c[i] "|" op) in nems)
				ratio = sprintf("%.2fx as fast", nems[c[i] "|" op] / rate[i])
			printf "| %s | %s | %s | %d | %s | %.2f | %.3f | %.0f | %.2f | %.0f | %s |\n",
				c[i], t[i], o[i], f[i], a[i], b[i] / 1e6, s[i], rate[i], (s[i] > 0) ? b[i] / 1e6 / s[i] : 0, r[i] / 1024, ratio
		}
	}' "$results"
echo
echo "In-process validation, messages per second: every tool timed after loading, one"
echo "core, median of $rounds passes (nemsfhir by bench/validatebench). Base STU3 is the"
echo "work the peers do (structure, datatypes, bindings, references, invariants); the ratios"
echo "compare it with each peer."
echo
echo "| corpus | format | nemsfhir --schema | default | base STU3 | FHIR.js | google/fhir | base vs FHIR.js | base vs google/fhir |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F'\t' '
	function rate(f, s) { return (s > 0) ? f / s : 0 }
	function cell(x) { return (x > 0) ? sprintf("%.0f", x) : "-" }
	function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2fx", a / b) : "-" }
	$2 == "nemsfhir" && $3 ~ /, in-process, / {
		split($3, p, ", in-process, "); fmt = substr(p[1], 10)
		key = $1 "|" fmt; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		nf[key "|" p[2]] = rate($4, $7)
	}
	$2 == "FHIR.js" && $3 ~ /^validate / { js[$1 "|" substr($3, 10)] = rate($4, $7) }
	$2 == "google/fhir" { gf[$1 "|JSON"] = rate($4, $7) }
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, ck, "|"); base = nf[k "|base STU3"]
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", ck[1], ck[2],
				cell(nf[k "|--schema"]), cell(nf[k "|default"]), cell(base), cell(js[k]), cell(gf[k]),
				ratio(base, js[k]), ratio(base, gf[k])
		}
	}' "$results"
echo
echo "Issue 15's corpus (nems2k, 2,000 files): whole-CLI time over xmllint --schema's on the same files"
echo "(targets: default at most 0.75, --schema at most 1.5):"
echo
awk -F'\t' '$1 == "nems2k" { s[$2 "|" $3] = $7 }
	END {
		x = s["xmllint|--schema fhir-single.xsd"]
		if (x > 0) {
			printf "| nemsfhir validate (default) | %.3f s | %.2fx |\n", s["nemsfhir|validate XML"], s["nemsfhir|validate XML"] / x
			printf "| nemsfhir validate --schema | %.3f s | %.2fx |\n", s["nemsfhir|validate XML --schema"], s["nemsfhir|validate XML --schema"] / x
			printf "| xmllint --schema fhir-single.xsd | %.3f s | 1.00x |\n", x
		}
	}' "$results" | { echo "| command | median s | vs xmllint --schema |"; echo "| --- | ---: | ---: |"; cat; }
echo
echo "Cold start: one message, each command started 20 times by bench/spawn (after 2 warm-up"
echo "runs) on one core; wall is fork/exec to wait, CPU the command's user + system time; medians:"
echo
echo "| command | wall ms | CPU ms | min wall ms | exit |"
echo "| --- | ---: | ---: | ---: | --- |"
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $7 }' "$cold"
echo
echo "nemsfhir and xmllint times are whole processes (start-up included); FHIR.js and"
echo "google/fhir are timed in-process after loading (FHIR.js spends seconds loading"
echo "STU3). Raw rows: $results"
