package policy

import (
	"slices"
	"time"
)

// Windows lists the stretches of [from, to) in which a scheduled or alert
// policy with action acts on acc: in force (enabled, within active_from
// and active_until) and a window of its schedule open, or one of its
// executions in force. They are merged (overlapping or touching stretches
// of several policies become one) and in order. The exposure report
// takes from it how long unlock policies opened an account and lock
// policies closed it.
func (s *Set) Windows(acc Account, action Action, from, to time.Time) []Window {
	var out []Window
	s.each(acc, func(c *compiled, _ via) {
		if c.Action != action || !c.Enabled || (c.Type != Scheduled && c.Type != Alert) {
			return
		}
		for t := from; t.Before(to); {
			w, ok := c.span(t)
			if !ok || !w.Start.Before(to) {
				return
			}
			end := w.End
			if end.IsZero() || end.After(to) {
				end = to // an execution until lifted, or past the end
			}
			if !end.After(t) {
				return
			}
			out = append(out, Window{Start: later(w.Start, t), End: end})
			t = end
		}
	})
	return Merge(out)
}

// Merge sorts ws by start and joins the windows that overlap or touch,
// dropping empty ones. It reuses ws's array.
func Merge(ws []Window) []Window {
	slices.SortFunc(ws, func(a, b Window) int { return a.Start.Compare(b.Start) })
	out := ws[:0]
	for _, w := range ws {
		switch {
		case !w.End.After(w.Start):
		case len(out) > 0 && !w.Start.After(out[len(out)-1].End):
			if w.End.After(out[len(out)-1].End) {
				out[len(out)-1].End = w.End
			}
		default:
			out = append(out, w)
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
