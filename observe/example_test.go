package observe_test

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"os"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe"
)

// exampleLogger writes text records to stdout without the attributes that
// change from run to run.
func exampleLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func ExampleLog() {
	logger := exampleLogger()
	obs := observe.Log(logger, nil)

	ch, stop := sluice.Stream(context.Background(), ints(3, nil), &sluice.StreamOptions{
		Name:     "numbers",
		Observer: obs,
	})
	for range ch {
	}
	_ = stop()

	ctx, cancel := context.WithCancelCause(context.Background())
	ch, stop = sluice.Stream(ctx, ints(3, nil), &sluice.StreamOptions{
		Name:     "interrupted",
		Observer: obs,
	})
	<-ch
	cancel(errors.New("shutting down"))
	_ = stop()
	// Output:
	// level=INFO msg="stream ended" stream=numbers items=3 reason=exhausted
	// level=WARN msg="stream ended" stream=interrupted items=1 reason=canceled error="context canceled: shutting down" cause="shutting down"
}

func ExampleMulti() {
	quiet := observe.Log(exampleLogger(), &observe.LogOptions{Level: slog.LevelWarn})
	loud := observe.Log(exampleLogger(), nil)

	ch, stop := sluice.Stream(context.Background(), ints(2, nil), &sluice.StreamOptions{
		Name:     "pairs",
		Observer: observe.Multi(quiet, nil, loud),
	})
	for range ch {
	}
	_ = stop()
	// Output:
	// level=INFO msg="stream ended" stream=pairs items=2 reason=exhausted
}

// ints yields 0, 1, … n-1 (forever if n < 0), then err if not nil.
func ints(n int, err error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 0; n < 0 || i < n; i++ {
			if !yield(i, nil) {
				return
			}
		}
		if err != nil {
			yield(0, err)
		}
	}
}
