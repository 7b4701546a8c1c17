package validate

import (
	"context"
	"io"
	"iter"
	"runtime"

	"github.com/nemsfhir/nemsfhir/internal/batch"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// BatchOptions configure ValidateAll.
type BatchOptions struct {
	// Workers is how many payloads are validated at once; less than 1
	// means runtime.GOMAXPROCS(0).
	Workers int
	// KeepSource hands each BatchResult the bytes of its payload, for a
	// report that shows them.
	KeepSource bool
}

// BatchResult is what ValidateAll found for one input: a Result, or the
// reason the input was not read, or that it was skipped.
type BatchResult struct {
	Input inputs.Input
	// Index is the input's place in the sequence, from 0.
	Index int
	// Result is the validation of the payload; nil when Err is set or the
	// input was skipped.
	Result *Result
	// Err says why the input could not be read: its own Input.Err, or the
	// failure to open or read it.
	Err error
	// Skipped is set for a Sniffed input that is neither XML nor JSON.
	Skipped bool
	// Source is the payload as read, with BatchOptions.KeepSource.
	Source []byte
}

// ValidateAll validates the inputs of in with opts.Workers workers and
// hands yield one BatchResult per input, in the order of in. Memory is
// bounded whatever the number of inputs: in is consumed as the work goes,
// and at most 2*Workers results are done or under way before yield takes
// the oldest (a slow payload holds back the ones after it, not more).
// Each payload is read up to the size limit of Options.MaxSize (see
// ValidateReader).
//
// ValidateAll returns nil once every input has been yielded, the error of
// yield when it returns one (nothing more is yielded), or ctx.Err() when
// ctx ends: the payloads under way are then dropped, never yielded as
// judged. Workers busy on a read that cannot be stopped (standard input)
// finish it in the background.
//
// in is typically inputs.Walk over files and folders; any sequence of
// inputs.Input will do.
func (v *Validator) ValidateAll(ctx context.Context, in iter.Seq[inputs.Input], opts BatchOptions, yield func(BatchResult) error) error {
	workers := opts.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	work := func(ctx context.Context, index int, in inputs.Input) BatchResult {
		r := v.validateInput(ctx, in, opts.KeepSource)
		r.Index = index
		return r
	}
	return batch.Run(ctx, in, batch.Options[inputs.Input]{Workers: workers}, work, yield)
}

// validateInput opens, reads and validates one input. A file listed with
// its size is read into one buffer of that size plus the byte that finds
// its end, in two reads, rather than grown from 512 bytes by doubling
// (which cost a copy and a system call per doubling, most of the time a
// batch spent on a file besides validating it). The size is a hint, not a
// bound: a file that grew since it was listed is read as any stream is,
// up to the size limit.
func (v *Validator) validateInput(ctx context.Context, in inputs.Input, keepSource bool) BatchResult {
	r, ok, err := inputs.Open(in)
	if err != nil {
		return BatchResult{Input: in, Err: err}
	}
	if !ok {
		return BatchResult{Input: in, Skipped: true}
	}
	defer r.Close()
	limit := v.readLimit()
	size := int64(-1)
	if in.Size > 0 {
		size = in.Size
	}
	// Cut after limit+1 bytes as ValidateReader does, so that a payload
	// over the limit gets the same result; ReadAll never refuses then.
	src, err := inputs.ReadAll(io.LimitReader(batch.Reader(ctx, r), limit+1), size, limit+1)
	if err != nil {
		return BatchResult{Input: in, Err: readError(ctx, in.Name, err)}
	}
	res, err := v.validateRead(ctx, in.Name, src, limit)
	out := BatchResult{Input: in, Result: res, Err: err}
	if keepSource && err == nil {
		// Validation never writes into the payload (see parse), so the
		// report may show these very bytes.
		out.Source = src
	}
	return out
}
