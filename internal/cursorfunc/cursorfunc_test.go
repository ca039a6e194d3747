package cursorfunc

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type withCursor int

func (w withCursor) Cursor() string { return string(rune('a' + int(w))) }

type cursorI interface{ Cursor() string }

func TestOf(t *testing.T) {
	if c, ok := Of(func(v int) string { return "f" })(1); c != "f" || !ok {
		t.Errorf("explicit function: %q, %v", c, ok)
	}
	if c, ok := Of[withCursor](nil)(2); c != "c" || !ok {
		t.Errorf("Cursor method: %q, %v", c, ok)
	}
	if Of[int](nil) != nil {
		t.Error("a type without Cursor has a cursor function")
	}
	if c, ok := Of[cursorI](nil)(nil); c != "" || ok {
		t.Errorf("nil interface value: %q, %v, want no cursor", c, ok)
	}
}
