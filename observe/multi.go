package observe

import "github.com/sluice-go/sluice"

// Multi returns an Observer that passes each event to every one of obs, in
// the order given: a stream has one Observer, and this is how it gets
// several (metrics and a log, say).
//
// Nil entries are skipped. Multi() and Multi(nil) return an Observer that
// does nothing; Multi(o) returns o itself. Observers that are themselves
// the result of Multi are flattened, so nesting costs nothing extra.
func Multi(obs ...sluice.Observer) sluice.Observer {
	var list multi
	for _, o := range obs {
		switch o := o.(type) {
		case nil:
		case multi:
			list = append(list, o...)
		default:
			list = append(list, o)
		}
	}
	switch len(list) {
	case 0:
		return noop{}
	case 1:
		return list[0]
	}
	return list
}

// multi is the Observer of Multi. It is never modified after Multi
// returns, so it is as safe for concurrent use as its elements.
type multi []sluice.Observer

func (m multi) Sent(e sluice.SendEvent) {
	for _, o := range m {
		o.Sent(e)
	}
}

func (m multi) Ended(e sluice.EndEvent) {
	for _, o := range m {
		o.Ended(e)
	}
}

type noop struct{}

func (noop) Sent(sluice.SendEvent) {}
func (noop) Ended(sluice.EndEvent) {}
