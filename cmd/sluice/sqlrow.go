package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

// A sqlRow is a row as the server sent it: the raw bytes of its values,
// which the printers decode. Decoding them in the printer rather than
// with pgx's Values, which boxes every value in an interface, moves the
// work to the goroutine that writes the output, beside the one that reads
// the rows (issue 12).
type sqlRow struct {
	cols *sqlCols
	// data holds each value as the protocol does: its length as a
	// big-endian int32 (-1 for NULL), then its bytes.
	data []byte
}

// sqlCols describes the columns of one result, shared by its rows.
type sqlCols struct {
	fields []pgconn.FieldDescription
	keys   [][]byte // each column's `"name":`
	m      *pgtype.Map
}

// A rowScanner is the scan function of the rows of one command: it keeps
// the columns of the current result, which pgx hands every row of it.
// It is called from the producer goroutine only.
type rowScanner struct {
	fields []pgconn.FieldDescription
	cols   *sqlCols
}

func (s *rowScanner) scan(row pgx.CollectableRow) (sqlRow, error) {
	fds := row.FieldDescriptions()
	if s.cols == nil || len(fds) != len(s.fields) || (len(fds) > 0 && &fds[0] != &s.fields[0]) {
		c := &sqlCols{fields: fds, m: pgtype.NewMap()}
		for _, fd := range fds {
			c.keys = append(c.keys, append(appendString(nil, fd.Name), ':'))
		}
		s.fields, s.cols = fds, c
	}
	raw := row.RawValues()
	n := 4 * len(raw)
	for _, v := range raw {
		n += len(v)
	}
	data := make([]byte, 0, n)
	for _, v := range raw {
		if v == nil {
			data = binary.BigEndian.AppendUint32(data, math.MaxUint32) // -1
			continue
		}
		data = binary.BigEndian.AppendUint32(data, uint32(len(v)))
		data = append(data, v...)
	}
	return sqlRow{cols: s.cols, data: data}, nil
}

// values calls f with each column's index and raw value (nil for NULL).
func (r sqlRow) values(f func(i int, v []byte)) {
	d := r.data
	for i := range r.cols.fields {
		n := int32(binary.BigEndian.Uint32(d))
		d = d[4:]
		if n < 0 {
			f(i, nil)
			continue
		}
		f(i, d[:n:n])
		d = d[n:]
	}
}

var sqlPrinter = &printer[sqlRow]{
	json: func(b []byte, r sqlRow) []byte { return r.appendJSON(b) },
	text: func(b []byte, r sqlRow) []byte { return r.appendText(b) },
}

var keysetPrinter = &printer[sqlrows.Row[sqlRow]]{
	json:   func(b []byte, r sqlrows.Row[sqlRow]) []byte { return r.Value.appendJSON(b) },
	text:   func(b []byte, r sqlrows.Row[sqlRow]) []byte { return r.Value.appendText(b) },
	cursor: sqlrows.Row[sqlRow].Cursor,
}

func (r sqlRow) appendJSON(b []byte) []byte {
	r.values(func(i int, v []byte) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.cols.keys[i]...)
		b = r.cols.appendJSONValue(b, i, v)
	})
	return b
}

func (r sqlRow) appendText(b []byte) []byte {
	r.values(func(i int, v []byte) {
		if i > 0 {
			b = append(b, '\t')
		}
		b = r.cols.appendTextValue(b, i, v)
	})
	return b
}

// pgEpoch is PostgreSQL's: the zero of its binary dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const pgEpochUnix = 946684800 // pgEpoch.Unix()

// fast decodes the value v of column i when its type and format are ones
// it knows, into one of: int64, float64 (with bits), bool, a string's
// bytes (str), a time, or a byte string (bytea); ok is false otherwise,
// and the value goes through pgx's decoding.
type decoded struct {
	kind int
	i    int64
	f    float64
	bits int
	str  []byte
	t    time.Time
}

const (
	kindNone = iota
	kindInt
	kindFloat
	kindBool
	kindString
	kindTime
	kindBytea
	kindUUID
)

func (c *sqlCols) decode(i int, v []byte) (d decoded) {
	fd := &c.fields[i]
	if fd.Format != pgtype.BinaryFormatCode {
		switch fd.DataTypeOID {
		case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
			return decoded{kind: kindString, str: v}
		}
		return decoded{}
	}
	switch fd.DataTypeOID {
	case pgtype.Int8OID:
		if len(v) == 8 {
			return decoded{kind: kindInt, i: int64(binary.BigEndian.Uint64(v))}
		}
	case pgtype.Int4OID:
		if len(v) == 4 {
			return decoded{kind: kindInt, i: int64(int32(binary.BigEndian.Uint32(v)))}
		}
	case pgtype.Int2OID:
		if len(v) == 2 {
			return decoded{kind: kindInt, i: int64(int16(binary.BigEndian.Uint16(v)))}
		}
	case pgtype.Float8OID:
		if len(v) == 8 {
			return decoded{kind: kindFloat, f: math.Float64frombits(binary.BigEndian.Uint64(v)), bits: 64}
		}
	case pgtype.Float4OID:
		if len(v) == 4 {
			// As pgx's float32, widened to float64 as jsonValue did.
			return decoded{kind: kindFloat, f: float64(math.Float32frombits(binary.BigEndian.Uint32(v))), bits: 64}
		}
	case pgtype.BoolOID:
		if len(v) == 1 {
			return decoded{kind: kindBool, i: int64(v[0])}
		}
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return decoded{kind: kindString, str: v}
	case pgtype.ByteaOID:
		return decoded{kind: kindBytea, str: v}
	case pgtype.UUIDOID:
		if len(v) == 16 {
			return decoded{kind: kindUUID, str: v}
		}
	case pgtype.TimestamptzOID, pgtype.TimestampOID:
		if len(v) == 8 {
			us := int64(binary.BigEndian.Uint64(v))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return decoded{} // ±infinity: pgx's way
			}
			// As pgx decodes them: a timestamptz in the local time
			// zone, a timestamp in UTC.
			sec, frac := us/1e6, us%1e6
			if frac < 0 {
				sec, frac = sec-1, frac+1e6
			}
			t := time.Unix(pgEpochUnix+sec, frac*1e3)
			if fd.DataTypeOID == pgtype.TimestampOID {
				t = t.UTC()
			}
			return decoded{kind: kindTime, t: t}
		}
	case pgtype.DateOID:
		if len(v) == 4 {
			days := int32(binary.BigEndian.Uint32(v))
			if days == math.MaxInt32 || days == math.MinInt32 {
				return decoded{}
			}
			return decoded{kind: kindTime, t: pgEpoch.AddDate(0, 0, int(days))}
		}
	case pgtype.NumericOID:
		if s, ok := numericText(v); ok {
			return decoded{kind: kindString, str: s}
		}
	}
	return decoded{}
}

// generic decodes v as pgx does, into what jsonValue makes of it.
func (c *sqlCols) generic(i int, v []byte) any {
	fd := &c.fields[i]
	t, ok := c.m.TypeForOID(fd.DataTypeOID)
	if !ok {
		// An unknown type: its text, or its bytes, as pgx's Values gives
		// them.
		if fd.Format == pgtype.TextFormatCode {
			return string(v)
		}
		return append([]byte(nil), v...)
	}
	val, err := t.Codec.DecodeValue(c.m, fd.DataTypeOID, fd.Format, v)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return jsonValue(val)
}

// appendJSONValue appends the JSON of the value v of column i.
func (c *sqlCols) appendJSONValue(b []byte, i int, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch d := c.decode(i, v); d.kind {
	case kindInt:
		return strconv.AppendInt(b, d.i, 10)
	case kindFloat:
		return appendFloat(b, d.f, d.bits)
	case kindBool:
		return strconv.AppendBool(b, d.i != 0)
	case kindString:
		return appendString(b, d.str)
	case kindBytea:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, d.str)
		return append(b, '"')
	case kindUUID:
		b = append(b, '"')
		b = appendUUID(b, d.str)
		return append(b, '"')
	case kindTime:
		b = append(b, '"')
		b = d.t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	return appendAny(b, c.generic(i, v))
}

// appendTextValue appends the value v of column i as the text format
// prints it: NULL as \N, bytea as \x and hex, and otherwise as jsonValue
// and textValue make it.
func (c *sqlCols) appendTextValue(b []byte, i int, v []byte) []byte {
	if v == nil {
		return append(b, `\N`...)
	}
	switch d := c.decode(i, v); d.kind {
	case kindInt:
		return strconv.AppendInt(b, d.i, 10)
	case kindFloat:
		switch {
		case math.IsNaN(d.f):
			return append(b, "NaN"...)
		case math.IsInf(d.f, 1):
			return append(b, "Infinity"...)
		case math.IsInf(d.f, -1):
			return append(b, "-Infinity"...)
		}
		return strconv.AppendFloat(b, d.f, 'g', -1, 64)
	case kindBool:
		return strconv.AppendBool(b, d.i != 0)
	case kindString:
		return append(b, d.str...)
	case kindBytea:
		b = append(b, `\x`...)
		return hex.AppendEncode(b, d.str)
	case kindUUID:
		return appendUUID(b, d.str)
	case kindTime:
		return d.t.AppendFormat(b, time.RFC3339Nano)
	}
	return append(b, textValue(c.generic(i, v))...)
}

// appendUUID appends the 16 bytes of a uuid in its text form.
func appendUUID(b, u []byte) []byte {
	b = hex.AppendEncode(b, u[0:4])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[4:6])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[6:8])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[8:10])
	b = append(b, '-')
	return hex.AppendEncode(b, u[10:16])
}

// Signs of a binary numeric.
const (
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// numericText returns the text of a numeric in PostgreSQL's binary format,
// as pgx's pgtype.Numeric gives it (PostgreSQL's own text, but "0" for
// every zero): base-10000 digits, the weight of the first, and dscale
// digits after the point.
func numericText(v []byte) ([]byte, bool) {
	if len(v) < 8 {
		return nil, false
	}
	ndigits := int(binary.BigEndian.Uint16(v[0:]))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	dscale := int(int16(binary.BigEndian.Uint16(v[6:])))
	if len(v) != 8+2*ndigits || dscale < 0 {
		return nil, false
	}
	digit := func(k int) int {
		if k < 0 || k >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(v[8+2*k:]))
	}
	switch sign {
	case numericNaN:
		return []byte("NaN"), true
	case numericPosInf:
		return []byte("Infinity"), true
	case numericNegInf:
		return []byte("-Infinity"), true
	case 0, numericNeg:
	default:
		return nil, false
	}
	if ndigits == 0 {
		return []byte("0"), true
	}
	for k := range ndigits {
		if digit(k) > 9999 {
			return nil, false
		}
	}
	b := make([]byte, 0, 4*(max(weight, 0)+1)+dscale+3)
	if sign == numericNeg {
		b = append(b, '-')
	}
	if weight < 0 {
		b = append(b, '0')
	} else {
		b = strconv.AppendInt(b, int64(digit(0)), 10)
		for k := 1; k <= weight; k++ {
			b = appendDigits4(b, digit(k))
		}
	}
	if dscale > 0 {
		b = append(b, '.')
		for k, left := weight+1, dscale; left > 0; k++ {
			var g [4]byte
			appendDigits4(g[:0], digit(k))
			n := min(4, left)
			b = append(b, g[:n]...)
			left -= n
		}
	}
	return b, true
}

// appendDigits4 appends d, below 10000, as four digits.
func appendDigits4(b []byte, d int) []byte {
	return append(b, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
}
