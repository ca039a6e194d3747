package main

// A printer says how the command prints the values of one source.
type printer[V any] struct {
	// json appends the fields of v's JSON object, "name":value joined by
	// commas, without the braces and without the cursor.
	json func(b []byte, v V) []byte

	// text appends v's line of --format text, without its newline.
	text func(b []byte, v V) []byte

	// cursor returns v's cursor; nil for a source without cursors. In
	// the text format it is called only for the cursors the run needs:
	// of the last line written, when the checkpoint is saved or the run
	// ends.
	cursor func(v V) string

	// pos, if not nil, returns how far the source has come with v, in
	// the unit of the progress line's total (runner.total).
	pos func(v V) int64
}

// appendLine appends the line of v, with its newline: v's JSON object,
// with its cursor last, or, if text, its line of --format text.
func (p *printer[V]) appendLine(b []byte, v V, text bool) []byte {
	if text {
		b = p.text(b, v)
	} else {
		b = append(b, '{')
		b = p.json(b, v)
		if p.cursor != nil {
			b = appendField(b, "cursor")
			b = appendString(b, p.cursor(v))
		}
		b = append(b, '}')
	}
	return append(b, '\n')
}
