package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/sluice-go/sluice/checkpoint"
)

// printLines prints the lines of the items received from lines on out, until
// lines is closed, and, with a store, saves the places of the files whose
// lines it printed every saveEvery and at the end. A place is saved only
// once its lines are written to out. printLines returns the first error of out
// or of the store.
func printLines(lines <-chan item, out io.Writer, store *checkpoint.FileStore, saveEvery time.Duration) error {
	w := bufio.NewWriter(out)
	dirty := map[string]item{} // the last item of each file whose place is not saved
	var tick <-chan time.Time
	if store != nil {
		ticker := time.NewTicker(saveEvery)
		defer ticker.Stop()
		tick = ticker.C
	}
	save := func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		for file, it := range dirty {
			cursor := ""
			if !it.gone {
				cursor = it.place.String()
			}
			if err := store.Save(context.Background(), stateName(file), cursor); err != nil {
				return fmt.Errorf("saving the place of %s: %w", file, err)
			}
			delete(dirty, file)
		}
		return nil
	}
	for {
		var it item
		var ok bool
		select {
		case it, ok = <-lines:
		case <-tick:
			if err := save(); err != nil {
				return err
			}
			continue
		default:
			// Nothing waiting: show what is printed before waiting.
			if err := w.Flush(); err != nil {
				return err
			}
			select {
			case it, ok = <-lines:
			case <-tick:
				if err := save(); err != nil {
					return err
				}
				continue
			}
		}
		if !ok {
			break
		}
		if it.line {
			w.WriteString(it.file)
			w.WriteString(": ")
			w.WriteString(it.text)
			w.WriteByte('\n')
		}
		if store != nil {
			dirty[it.file] = it
		}
	}
	if store != nil {
		return save()
	}
	return w.Flush()
}

// stateName returns the name of the checkpoint of the file rel: "log-"
// and its path escaped, or, for a path too long for a file name, its
// SHA-256.
func stateName(rel string) string {
	name := "log-" + url.PathEscape(rel)
	if len(name) > 200 {
		sum := sha256.Sum256([]byte(rel))
		name = "log-sha256-" + hex.EncodeToString(sum[:])
	}
	return name
}

// String returns the encoding of p that the checkpoints hold: a JSON
// object, {"id":{"dev":D,"ino":I},"off":N,"cursor":"…"}.
func (p place) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // numbers and a string always encode
	}
	return string(b)
}

// parsePlace decodes a checkpoint; "" is the start of an unknown file.
func parsePlace(s string) (place, error) {
	var p place
	if s == "" {
		return p, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil || d.More() || p.Off < 0 || (p.Off > 0) != (p.Cursor != "") {
		return place{}, fmt.Errorf("malformed place %q", s)
	}
	return p, nil
}
