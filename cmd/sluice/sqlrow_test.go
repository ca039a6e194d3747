package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

// The command decodes the common types from the server's bytes itself
// (sqlrow.go). Before, it printed what pgx's Values decoded, through
// jsonValue, encoding/json and textValue; this is that path, kept here
// as the reference the output must not change from.
func referenceRow(t *testing.T, row pgx.CollectableRow) (jsonLine, textLine string) {
	t.Helper()
	values, err := row.Values()
	if err != nil {
		t.Fatal(err)
	}
	var j, x []string
	for i, fd := range row.FieldDescriptions() {
		v := jsonValue(values[i])
		j = append(j, marshal(t, fd.Name)+":"+marshal(t, v))
		x = append(x, textValue(v))
	}
	return strings.Join(j, ","), strings.Join(x, "\t")
}

// Every value of the types the command decodes itself, edge cases
// included, prints as it did through pgx: the same JSON and the same
// text.
func TestSQLRowsAsBefore(t *testing.T) {
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)
	ctx := context.Background()
	const query = `
SELECT i,
       (i * 163 - 32768)::int2 AS i2, (i::int8 * 10737418 - 2147483648)::int4 AS i4, (i::numeric * 23058430092136939 - 9223372036854775808)::int8 AS i8,
       CASE i % 11 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN 'Infinity' WHEN 2 THEN '-Infinity' WHEN 3 THEN -0.0 ELSE (i * 1.000001 - 77.5) / 3 END AS f8,
       CASE i % 7 WHEN 0 THEN 'NaN'::float4 ELSE ((i - 50) / 7.0)::float4 END AS f4,
       CASE i % 13 WHEN 0 THEN 'NaN'::numeric WHEN 1 THEN 'Infinity' WHEN 2 THEN '-Infinity' WHEN 3 THEN 0 WHEN 4 THEN 0.000 WHEN 5 THEN -0.5
            WHEN 6 THEN 123456789012345678901234567890.000000000001 WHEN 7 THEN 10000 WHEN 8 THEN 0.0001 WHEN 9 THEN -99999999.99990
            ELSE ((i - 60) * 1.25)::numeric(10,3) END AS num,
       i % 2 = 0 AS b,
       'text ' || i || E' \t"q" \\ é 🙂 <&> \u2028' AS txt, ('vc' || i)::varchar(20) AS vc, ('c' || i)::char(6) AS bp, ('n' || i)::name AS nm,
       timestamptz '1969-12-31 23:59:59.999999+00' + i * interval '1 day 1.000001 s' AS tz,
       CASE i % 9 WHEN 0 THEN 'infinity'::timestamp WHEN 1 THEN '-infinity' ELSE timestamp '1999-12-31 23:59:59.5' + i * interval '37 hours' END AS ts,
       date '1999-12-30' + i AS d,
       md5(i::text)::uuid AS u, decode(repeat(lpad(to_hex(i), 2, '0'), i % 4), 'hex') AS by,
       jsonb_build_object('k', i, 'a', jsonb_build_array(i, 'x')) AS jb, ('{"z": ' || i || ', "a": [1.50, 2]}')::json AS js,
       ARRAY[i, i + 1] AS arr, interval '1 hour' * i AS iv, '10.0.0.1'::inet AS ip,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS maybe
FROM generate_series(1, 400) AS i`
	check := func(t *testing.T, rows pgx.Rows) {
		t.Helper()
		s := &rowScanner{}
		n := 0
		for rows.Next() {
			n++
			wantJSON, wantText := referenceRow(t, rows)
			r, err := s.scan(rows)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(r.appendJSON(nil)); got != wantJSON {
				t.Errorf("row %d, JSON:\n got %s\nwant %s", n, got, wantJSON)
			}
			if got := string(r.appendText(nil)); got != wantText {
				t.Errorf("row %d, text:\n got %q\nwant %q", n, got, wantText)
			}
		}
		if err := rows.Err(); err != nil || n != 400 {
			t.Fatalf("%d rows, %v", n, err)
		}
	}
	rows, err := conn.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows)
	// The same values in the text format, as the simple protocol gives
	// them: the command decodes only text types itself then.
	rows, err = conn.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows)
}

// numericText gives pgx's text for every shape of binary numeric.
func TestNumericText(t *testing.T) {
	for _, tc := range []struct {
		v    []byte
		want string
		ok   bool
	}{
		{[]byte{0, 0, 0, 0, 0, 0, 0, 2}, "0", true},                     // 0.00: pgx says 0
		{[]byte{0, 1, 0, 0, 0x40, 0, 0, 1, 0, 5}, "-5.0", true},         // -5.0
		{[]byte{0, 1, 0xff, 0xff, 0, 0, 0, 1, 0x13, 0x88}, "0.5", true}, // 0.5
		{[]byte{0, 0, 0, 0, 0xc0, 0, 0, 0}, "NaN", true},
		{[]byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, "", false}, // a digit of 10000
		{[]byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, "", false},       // short
	} {
		got, ok := numericText(tc.v)
		if ok != tc.ok || (ok && string(got) != tc.want) {
			t.Errorf("numericText(%v) = %q, %v; want %q, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
