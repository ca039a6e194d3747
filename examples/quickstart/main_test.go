package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The quickstart cuts the stream short, reports the deadline, and its
// resumed run completes the text exactly; run checks the sum itself.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 5*time.Millisecond); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"40 lines in all", "context deadline exceeded", "reason deadline_exceeded", "nothing lost, nothing repeated"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
