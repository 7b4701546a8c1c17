//go:build !unix

package structuredef

import "errors"

func mkfifo(string) error { return errors.New("not supported on this system") }
