package symantec

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// ReadAuditCSV streams CSV rows: fn gets the header and each row. Rows
// with a different number of cells than the header are an error naming the
// line: a CSV that does not line up cannot be trusted cell by cell.
func ReadAuditCSV(r io.Reader, fn func(header, row []string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil // no events
	}
	if err != nil {
		return fmt.Errorf("audit CSV header: %w", err)
	}
	header = append([]string(nil), header...)
	cr.FieldsPerRecord = len(header)
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit CSV: %w", err)
		}
		if err := fn(header, row); err != nil {
			return err
		}
	}
}

// CSVWriter writes rows for people who open them in a spreadsheet: a cell
// that starts with =, +, -, @, tab or carriage return would run as a
// formula, so it is prefixed with a single quote (OWASP's CSV injection
// advice) unless Raw is set. Commas, quotes and newlines are quoted as RFC
// 4180 says, so they round-trip.
type CSVWriter struct {
	w   *csv.Writer
	out io.Writer
	Raw bool
	buf []string
}

// NewCSVWriter writes to w.
func NewCSVWriter(w io.Writer, raw bool) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), out: w, Raw: raw}
}

// Write writes one row.
func (c *CSVWriter) Write(row []string) error {
	if len(row) == 1 && row[0] == "" {
		// encoding/csv writes this row as an empty line, which readers
		// skip: the row would vanish. Quote the empty cell instead.
		c.w.Flush()
		_, err := io.WriteString(c.out, "\"\"\n")
		return err
	}
	if c.Raw {
		return c.w.Write(row)
	}
	c.buf = c.buf[:0]
	for _, cell := range row {
		c.buf = append(c.buf, Neutralize(cell))
	}
	return c.w.Write(c.buf)
}

// Flush writes buffered rows and reports any write error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Neutralize prefixes a cell that a spreadsheet would run as a formula.
func Neutralize(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
