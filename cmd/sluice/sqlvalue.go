package main

import (
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// jsonValue converts a value pgx decoded (pgx.Rows.Values) into one that
// encoding/json prints faithfully and readably (see the sql command's
// documentation).
func jsonValue(v any) any {
	switch v := v.(type) {
	case nil, string, bool, []byte,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v
	case float64:
		return jsonFloat(v)
	case float32:
		return jsonFloat(float64(v))
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case [16]byte: // uuid
		return formatUUID(v)
	case pgtype.UUID:
		if !v.Valid {
			return nil
		}
		return formatUUID(v.Bytes)
	case map[string]any, json.RawMessage: // json and jsonb
		return v
	case []any: // arrays
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonValue(e)
		}
		return out
	case driver.Valuer: // numeric, interval, time, ranges…
		dv, err := v.Value()
		if err != nil {
			return fmt.Sprint(v)
		}
		if _, again := dv.(driver.Valuer); again {
			return fmt.Sprint(dv)
		}
		return jsonValue(dv)
	case fmt.Stringer: // netip.Prefix, net.HardwareAddr…
		return v.String()
	}
	return v
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

func formatUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// textValue formats a value of jsonValue for the text format.
func textValue(v any) string {
	switch v := v.(type) {
	case nil:
		return `\N`
	case string:
		return v
	case []byte:
		return `\x` + hex.EncodeToString(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, bool:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
