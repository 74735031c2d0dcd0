//go:build noparquet

package report

import (
	"errors"

	"github.com/segscope/segscope/analyze"
)

// ParquetWriter is absent from a build with -tags noparquet (half the
// binary's size is parquet-go and its compressors).
type ParquetWriter struct{}

// ErrNoParquet is what NewParquet returns in a build without Parquet.
var ErrNoParquet = errors.New("this segscope was built without Parquet (-tags noparquet): build it without that tag, or use --format jsonl")

// NewParquet fails: this build has no Parquet writer.
func NewParquet(dir string, first func() int64) (*ParquetWriter, error) { return nil, ErrNoParquet }

// Conn is never reached: NewParquet fails.
func (p *ParquetWriter) Conn(*analyze.Connection, []analyze.Warning) error { return ErrNoParquet }

// Close is never reached: NewParquet fails.
func (p *ParquetWriter) Close(*analyze.Result, []error) error { return ErrNoParquet }
