package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// readSmallFile reads a regular file of at most limit bytes, such as a JWT or
// a key; a larger one is an error naming the file and the limit, found
// after reading limit+1 bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return nil, notReadable(path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %s, the most accepted for this file", path, sizeText(limit))
	}
	return b, nil
}

// notReadable names the path in an error from openRegular: an open error
// names it already, a refusal of a special file does not.
func notReadable(path string, err error) error {
	var nr *inputs.NotRegularError
	if errors.As(err, &nr) {
		return fmt.Errorf("%s: %v", path, err)
	}
	return err
}
