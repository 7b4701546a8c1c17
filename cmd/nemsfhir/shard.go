package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// shard is the part K of N (1-based) that --shard asks one CI runner to
// take of the inputs. The zero value takes everything.
//
// A file belongs to the shard given by a hash of its path, so that the N
// parts are disjoint, together cover every input, and keep their files
// when others are added or removed (only a new file's place is new). The
// path is the one below the folder named on the command line (for a file
// named directly, the path as given), cleaned and slash-separated, so that
// runners whose checkouts live in different places agree.
type shard struct{ k, n int }

// maxShards bounds N: far more runners than any CI matrix has.
const maxShards = 10000

const shardHint = "e.g. --shard 2/4 for the second of four runners " +
	"(GitHub Actions: --shard ${{ matrix.shard }}/4; GitLab parallel: --shard $CI_NODE_INDEX/$CI_NODE_TOTAL)"

// parseShard reads "K/N".
func parseShard(s string) (shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, errK := shardNumber(ks)
	n, errN := shardNumber(ns)
	switch {
	case !ok || errK != nil || errN != nil:
		return shard{}, fmt.Errorf("bad --shard %q: expected K/N, two whole numbers with 1 <= K <= N; %s", s, shardHint)
	case n < 1 || n > maxShards:
		return shard{}, fmt.Errorf("bad --shard %q: N must be between 1 and %d; %s", s, maxShards, shardHint)
	case k < 1 || k > n:
		return shard{}, fmt.Errorf("bad --shard %q: K must be between 1 and N (%d); %s", s, n, shardHint)
	}
	return shard{k, n}, nil
}

// shardNumber accepts plain decimal digits only (no sign, no space).
func shardNumber(s string) (int, error) {
	if s == "" || len(s) > 6 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.Atoi(s)
}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.k, s.n) }

// on reports whether --shard was given.
func (s shard) on() bool { return s.n > 0 }

// shardKey is the form of a path that is hashed.
func shardKey(path string) string { return filepath.ToSlash(filepath.Clean(path)) }

// shardOf returns the shard (1..n) a path belongs to: the first 8 bytes of
// the SHA-256 of its key, big-endian, modulo n, plus one.
func shardOf(path string, n int) int {
	sum := sha256.Sum256([]byte(shardKey(path)))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(n)) + 1
}

// takes reports whether this shard handles the file at path.
func (s shard) takes(path string) bool { return !s.on() || shardOf(path, s.n) == s.k }

// filter passes on the inputs of this shard, and every input that could
// not be read (a missing PATH, an unreadable folder): each runner reports
// those, so that none passes over them. taken and seen count the files
// kept and the files met.
func (s shard) filter(in iter.Seq[inputs.Input], taken, seen *int) iter.Seq[inputs.Input] {
	if !s.on() {
		return in
	}
	return func(yield func(inputs.Input) bool) {
		for i := range in {
			if i.Err == nil {
				*seen++
				key := i.Name
				if i.Rel != "" {
					key = i.Rel
				}
				if !s.takes(key) {
					continue
				}
				*taken++
			}
			if !yield(i) {
				return
			}
		}
	}
}

// convertShard reads the --shard of nemsfhir convert; msg is the usage
// error, if any.
func convertShard(flag string, stdin bool) (s shard, msg string) {
	if flag == "" {
		return shard{}, ""
	}
	s, err := parseShard(flag)
	if err != nil {
		return shard{}, err.Error()
	}
	if stdin {
		return shard{}, "--shard splits files and folders; - (standard input) cannot be split between runners"
	}
	return s, ""
}

// filterJobs keeps the conversions of this shard. It runs after the whole
// plan is made, so that an output two inputs would share is refused
// whichever shards they fall in, as it is without --shard.
func (s shard) filterJobs(jobs []*convertJob, stderr io.Writer) []*convertJob {
	if !s.on() {
		return jobs
	}
	var kept []*convertJob
	for _, j := range jobs {
		key := j.in
		if j.found {
			key = j.name // the path below the folder given
		}
		if s.takes(key) {
			kept = append(kept, j)
		}
	}
	fmt.Fprintf(stderr, "nemsfhir convert: --shard %s: %d of %d files\n", s, len(kept), len(jobs))
	return kept
}
