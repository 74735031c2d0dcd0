//go:build !linux

package capture

import (
	"io"
	"os"
)

// rawReads is the file itself where no raw read(2) is wired up (see
// rawread_linux.go).
func rawReads(f *os.File) io.Reader { return f }
