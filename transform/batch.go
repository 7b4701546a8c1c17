package transform

import (
	"context"
	"errors"
	"iter"
	"runtime"

	"github.com/nemsfhir/nemsfhir/internal/batch"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// DefaultMaxInput is the largest input ConvertAll reads by default: far
// above the 3 MB NEMS accepts and the few MB of the largest STU3 Bundles,
// low enough that a wrong input (a disk image) is refused at once.
const DefaultMaxInput = 64 << 20

// BatchOptions configure ConvertAll.
type BatchOptions struct {
	// To is the format converted to: XML or JSON. Inputs already in it
	// are not converted (ErrSameFormat).
	To Format
	// Options control each conversion.
	Options
	// Workers is how many inputs are converted at once; less than 1 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// MaxSize is the largest input read, in bytes; 0 means
	// DefaultMaxInput. The inputs being converted at once, and those whose
	// results wait for yield, hold at most MaxSize bytes of input between
	// them (an input of unknown size counts as MaxSize), so that memory
	// stays bounded whatever Workers.
	MaxSize int64
	// Write, when set, is handed each output in the worker that made it,
	// so that outputs are written in parallel rather than held until
	// their turn: when it reports written, BatchResult.Output is left
	// nil, and its error is BatchResult.WriteErr.
	Write func(index int, in inputs.Input, out []byte) (written bool, err error)
}

// BatchResult is what ConvertAll did with one input.
type BatchResult struct {
	Input inputs.Input
	// Index is the input's place in the sequence, from 0.
	Index int
	// From is the format the input was read as; 0 when not read or
	// neither XML nor JSON.
	From Format
	// Output is the converted resource, unless Write took it.
	Output []byte
	// Report names what the target format cannot hold.
	Report *Report
	// ReadErr says why the input was not read: its Input.Err, the failure
	// to open or read it, or inputs.ErrTooLarge.
	ReadErr error
	// Err says why an input read was not converted: ErrUnknownFormat,
	// ErrSameFormat, or the ErrorList of an invalid resource.
	Err error
	// WriteErr is the error of BatchOptions.Write.
	WriteErr error
}

var (
	// ErrUnknownFormat: the input is neither XML nor JSON.
	ErrUnknownFormat = errors.New(`neither XML nor JSON: the first character is not "<" or "{"`)
	// ErrSameFormat: the input is already in the target format.
	ErrSameFormat = errors.New("already in the target format; nothing to convert")
)

// ConvertAll converts the inputs of in to opts.To with opts.Workers
// workers and hands yield one BatchResult per input, in the order of in,
// with memory bounded as BatchOptions.MaxSize says and at most 2*Workers
// results done or under way before yield takes the oldest. The format of
// each input is found from its content (inputs.Sniff).
//
// ConvertAll returns nil once every input has been yielded, the error of
// yield when it returns one, or ctx.Err() when ctx ends, also when a
// result was ready at the same time; the conversions under way are then
// dropped, and workers busy on a read that cannot be stopped (standard
// input) finish it in the background.
func ConvertAll(ctx context.Context, in iter.Seq[inputs.Input], opts BatchOptions, yield func(BatchResult) error) error {
	if opts.To != XML && opts.To != JSON {
		return errors.New("transform: BatchOptions.To must be XML or JSON")
	}
	workers := opts.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxInput
	}
	work := func(ctx context.Context, index int, in inputs.Input) BatchResult {
		r := convertInput(ctx, in, opts)
		r.Index = index
		if r.Output != nil && opts.Write != nil {
			written, err := opts.Write(index, in, r.Output)
			if written || err != nil {
				r.Output = nil
			}
			r.WriteErr = err
		}
		return r
	}
	pool := batch.Options[inputs.Input]{
		Workers: workers,
		Budget:  opts.MaxSize,
		Cost:    func(in inputs.Input) int64 { return inputCost(in, opts.MaxSize) },
	}
	return batch.Run(ctx, in, pool, work, yield)
}

// inputCost is the bytes an input holds while converted: its size when
// known, the cap otherwise.
func inputCost(in inputs.Input, maxSize int64) int64 {
	switch {
	case in.Err != nil:
		return 0
	case in.Size > 0:
		return min(in.Size, maxSize)
	}
	return maxSize
}

// convertInput reads and converts one input.
func convertInput(ctx context.Context, in inputs.Input, opts BatchOptions) BatchResult {
	res := BatchResult{Input: in}
	r, _, err := inputs.Open(in)
	if err != nil {
		res.ReadErr = err
		return res
	}
	defer r.Close()
	size, limit := int64(-1), opts.MaxSize
	if in.Size > 0 {
		// Listed with its size: read into one buffer of that size, and
		// refuse a file that grew past it.
		size, limit = in.Size, min(in.Size, opts.MaxSize)
	}
	src, err := inputs.ReadAll(batch.Reader(ctx, r), size, limit)
	if err != nil {
		res.ReadErr = err
		return res
	}
	switch inputs.Sniff(src) {
	case "xml":
		res.From = XML
	case "json":
		res.From = JSON
	default:
		res.Err = ErrUnknownFormat
		return res
	}
	if res.From == opts.To {
		res.Err = ErrSameFormat
		return res
	}
	if res.From == XML {
		res.Output, res.Report, res.Err = XMLToJSON(src, opts.Options)
	} else {
		res.Output, res.Report, res.Err = JSONToXML(src, opts.Options)
	}
	if res.Err != nil {
		res.Output = nil
	}
	return res
}
