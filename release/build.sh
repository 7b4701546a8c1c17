#!/usr/bin/env bash
# Builds the release binaries of nemsfhir: static, pure Go (CGO_ENABLED=0,
# so without the libxml2 XSD check; see README "Install"), for Linux, macOS
# and Windows on amd64 and arm64, with the version and the git revision
# stamped in (nemsfhir --version prints them), and a SHA256SUMS file.
#
#   release/build.sh [OUTDIR]            # default OUTDIR: dist
#   VERSION=1.2.0 release/build.sh       # default: the tag on HEAD, else
#                                        # the version in cmd/nemsfhir
#
# Needs only Go and git. Fails if any target does not build, or if a
# binary is not stamped or not static.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist}
targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)

revision=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	revision="$revision-dirty"
fi
default_version=$(sed -n 's/^[[:space:]]*version[[:space:]]*= "\(.*\)"$/\1/p' cmd/nemsfhir/main.go)
version=${VERSION:-$(git describe --tags --exact-match 2>/dev/null || echo "$default_version")}
if [ -z "$version" ]; then
	echo "release/build.sh: no version: set VERSION" >&2
	exit 1
fi
case $version in
*[!A-Za-z0-9._+-]*)
	echo "release/build.sh: VERSION $version has characters other than letters, digits and ._+-" >&2
	exit 1
	;;
esac

mkdir -p "$out"
ldflags="-s -w -X main.version=$version -X main.revision=$revision"
files=()
for t in "${targets[@]}"; do
	goos=${t%/*} goarch=${t#*/}
	name="nemsfhir-$version-$goos-$goarch"
	[ "$goos" = windows ] && name="$name.exe"
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "$ldflags" -o "$out/$name" ./cmd/nemsfhir
	# Pure Go, as the build settings Go records in the binary say, and
	# stamped (-trimpath keeps -ldflags out of those settings, so the
	# strings themselves are looked for).
	go version -m "$out/$name" | grep -q $'\tbuild\tCGO_ENABLED=0$' || { echo "$name: not built with CGO_ENABLED=0" >&2; exit 1; }
	grep -aqF "$revision" "$out/$name" || { echo "$name: revision $revision not stamped" >&2; exit 1; }
	files+=("$name")
done

# The binary for this machine, if there is one, must say what was stamped.
host="nemsfhir-$version-$(go env GOOS)-$(go env GOARCH)"
[ "$(go env GOOS)" = windows ] && host="$host.exe"
if [ -x "$out/$host" ]; then
	v=$("$out/$host" --version)
	if ! grep -qF "nemsfhir $version " <<<"$v" || ! grep -qF "revision: $revision" <<<"$v"; then
		echo "$host --version does not show version $version and revision $revision:" >&2
		echo "$v" >&2
		exit 1
	fi
fi

(
	cd "$out"
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "${files[@]}" >SHA256SUMS
	else
		shasum -a 256 "${files[@]}" >SHA256SUMS
	fi
)

echo "nemsfhir $version ($revision) in $out:"
for f in "${files[@]}"; do
	printf '  %-44s %6.1f MB\n' "$f" "$(($(wc -c <"$out/$f") / 1000))e-3"
done
echo "  SHA256SUMS"
