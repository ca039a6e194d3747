// Module rillbench compares sluice's concurrent map with
// github.com/destel/rill's OrderedMap. It is a module of its own so that
// the library never requires rill.
module github.com/sluice-go/sluice/internal/rillbench

go 1.26.0

require (
	github.com/destel/rill v0.9.0
	github.com/sluice-go/sluice v0.0.0
	go.uber.org/goleak v1.3.0
)

replace github.com/sluice-go/sluice => ../..
