// Module fastwalkbench compares walkdir with github.com/charlievieth/fastwalk.
// It is a module of its own so that the library never requires fastwalk.
module github.com/sluice-go/sluice/sources/walkdir/internal/fastwalkbench

go 1.26.0

require (
	github.com/charlievieth/fastwalk v1.0.14
	github.com/sluice-go/sluice v0.0.0
	go.uber.org/goleak v1.3.0
)

replace github.com/sluice-go/sluice => ../../../..
