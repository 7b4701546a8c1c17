package transform_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

const (
	batchPatientXML  = `<Patient xmlns="http://hl7.org/fhir"><id value="p%d"/><active value="true"/></Patient>`
	batchPatientJSON = `{"resourceType":"Patient","id":"p%d","active":true}`
)

// memInputs is a source of in-memory payloads, listed as regular files of
// their size, that counts the inputs taken and opened.
type memInputs struct {
	payloads       []string
	pulled, opened atomic.Int64
}

func (m *memInputs) seq() iter.Seq[inputs.Input] {
	return func(yield func(inputs.Input) bool) {
		for i, p := range m.payloads {
			m.pulled.Add(1)
			in := inputs.Input{Name: fmt.Sprintf("in%d", i), Size: int64(len(p)), Mode: 0o644, Open: func() (io.ReadCloser, error) {
				m.opened.Add(1)
				return io.NopCloser(strings.NewReader(p)), nil
			}}
			if !yield(in) {
				return
			}
		}
	}
}

// TestConvertAllOrder: every kind of outcome comes back in input order.
func TestConvertAllOrder(t *testing.T) {
	src := &memInputs{}
	var want []string
	for i := range 40 {
		switch i % 4 {
		case 0, 1:
			src.payloads = append(src.payloads, fmt.Sprintf(batchPatientXML, i))
			want = append(want, fmt.Sprintf(`{"resourceType":"Patient","id":"p%d","active":true}`, i))
		case 2:
			src.payloads = append(src.payloads, fmt.Sprintf(batchPatientJSON, i))
			want = append(want, "same format")
		case 3:
			src.payloads = append(src.payloads, "plain text")
			want = append(want, "unknown format")
		}
	}
	i := 0
	err := transform.ConvertAll(context.Background(), src.seq(), transform.BatchOptions{To: transform.JSON, Workers: 4}, func(r transform.BatchResult) error {
		got := string(r.Output)
		switch {
		case errors.Is(r.Err, transform.ErrSameFormat):
			got = "same format"
		case errors.Is(r.Err, transform.ErrUnknownFormat):
			got = "unknown format"
		case r.Err != nil || r.ReadErr != nil:
			t.Fatalf("%s: %v %v", r.Input.Name, r.ReadErr, r.Err)
		}
		if r.Index != i || got != want[i] {
			t.Errorf("result %d (index %d): %q, want %q", i, r.Index, got, want[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("%v after %d of %d results", err, i, len(want))
	}
}

// TestConvertAllByteBudget: the inputs under way or waiting hold at most
// MaxSize bytes between them, whatever Workers: with room for three
// inputs, a slow consumer never has more than three opened ahead of it.
func TestConvertAllByteBudget(t *testing.T) {
	src := &memInputs{}
	for i := range 30 {
		src.payloads = append(src.payloads, fmt.Sprintf(batchPatientXML, 1000+i)) // all the same size
	}
	size := int64(len(src.payloads[0]))
	i := int64(0)
	maxAhead := int64(0)
	err := transform.ConvertAll(context.Background(), src.seq(), transform.BatchOptions{To: transform.JSON, Workers: 8, MaxSize: 3 * size}, func(r transform.BatchResult) error {
		if r.Err != nil || r.ReadErr != nil {
			t.Fatalf("%s: %v %v", r.Input.Name, r.ReadErr, r.Err)
		}
		ahead := src.opened.Load() - i
		maxAhead = max(maxAhead, ahead)
		if ahead > 3 {
			t.Errorf("at result %d, %d inputs opened: %d held at once, over the budget of 3", i, src.opened.Load(), ahead)
		}
		i++
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil || i != 30 {
		t.Fatalf("%v after %d results", err, i)
	}
	if maxAhead < 2 {
		t.Errorf("never more than %d inputs held: the batch did not run in parallel", maxAhead)
	}
}

// TestConvertAllCancelled: a cancelled batch returns context.Canceled and
// takes few inputs past the cancellation; Write runs in the workers.
func TestConvertAllCancelled(t *testing.T) {
	src := &memInputs{}
	for i := range 3000 {
		src.payloads = append(src.payloads, fmt.Sprintf(batchPatientJSON, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var written atomic.Int64
	n := 0
	opts := transform.BatchOptions{To: transform.XML, Workers: 2, Write: func(_ int, _ inputs.Input, out []byte) (bool, error) {
		written.Add(1)
		return true, nil
	}}
	err := transform.ConvertAll(ctx, src.seq(), opts, func(r transform.BatchResult) error {
		if r.Output != nil || r.WriteErr != nil {
			t.Errorf("%s: output %q kept after Write took it (%v)", r.Input.Name, r.Output, r.WriteErr)
		}
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 5 {
		t.Fatalf("got %v after %d results; want context.Canceled after 5", err, n)
	}
	if pulled := src.pulled.Load(); pulled > 5+2*2+1 {
		t.Errorf("%d of %d inputs taken: the batch went on past the cancellation", pulled, len(src.payloads))
	}
	if written.Load() < 5 {
		t.Errorf("Write called %d times for 5 results", written.Load())
	}
}

// TestConvertAllTooLarge: an input over MaxSize is refused with
// inputs.ErrTooLarge, the others are converted.
func TestConvertAllTooLarge(t *testing.T) {
	small := fmt.Sprintf(batchPatientXML, 1)
	big := strings.Replace(small, "<active", strings.Repeat(" ", 200)+"<active", 1)
	seq := func(yield func(inputs.Input) bool) {
		for _, p := range []string{big, small} {
			if !yield(inputs.Input{Name: "x", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(p)), nil }}) {
				return
			}
		}
	}
	var got []string
	err := transform.ConvertAll(context.Background(), seq, transform.BatchOptions{To: transform.JSON, MaxSize: int64(len(small)) + 10}, func(r transform.BatchResult) error {
		switch {
		case errors.Is(r.ReadErr, inputs.ErrTooLarge):
			got = append(got, "too large")
		case r.Output != nil:
			got = append(got, "converted")
		default:
			got = append(got, fmt.Sprint(r.ReadErr, r.Err))
		}
		return nil
	})
	if err != nil || strings.Join(got, ", ") != "too large, converted" {
		t.Fatalf("got %v, %v", got, err)
	}
}
