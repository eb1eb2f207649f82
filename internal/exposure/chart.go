package exposure

import (
	"fmt"
	"time"
)

// The charts are SVG drawn on the server from these shapes. Coordinates
// are in the units of each chart's viewBox; the SVG scales to the page's
// width. Colours are presentation attributes, so the charts keep them
// under a Content-Security-Policy that forbids inline styles (the
// portal's).

// barChart is a horizontal bar chart: the accounts open longest.
type barChart struct {
	Height int
	Bars   []hbar
}

type hbar struct {
	Y, W       int
	Label, Val string
}

const (
	barLabelW = 220 // room for the account's name
	barMaxW   = 330
	barRow    = 28
	topN      = 10
)

func topAccounts(rep *Report) barChart {
	var c barChart
	var max Seconds
	for _, a := range rep.Accounts {
		if a.Open > max {
			max = a.Open
		}
	}
	for i, a := range rep.Accounts {
		if i == topN || a.Open == 0 {
			break
		}
		c.Bars = append(c.Bars, hbar{Y: 8 + i*barRow, W: max1(int(int64(barMaxW) * int64(a.Open) / int64(max))),
			Label: short(a.Account+" · "+a.AppName, 34), Val: Human(time.Duration(a.Open))})
	}
	c.Height = 16 + len(c.Bars)*barRow
	return c
}

// heatMap is blocked sign-ins by weekday (rows) and hour (columns).
type heatMap struct {
	Cells []cell
	Max   int
}

type cell struct {
	X, Y  int
	Fill  string
	Title string
}

// Weekdays are the heat map's rows.
var Weekdays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// heatFills goes from no attempt to the most, light to dark (each step
// at least 3:1 against white from the third on).
var heatFills = []string{"#f1f3f5", "#fde2e1", "#f9a8a4", "#e5484d", "#b3261e", "#6e0f0b"}

func heat(rep *Report) heatMap {
	var h heatMap
	for _, row := range rep.Heat {
		for _, n := range row {
			h.Max = max(h.Max, n)
		}
	}
	for d, row := range rep.Heat {
		for hr, n := range row {
			fill := heatFills[0]
			if n > 0 {
				levels := len(heatFills) - 1
				fill = heatFills[(n*levels+h.Max-1)/h.Max]
			}
			h.Cells = append(h.Cells, cell{X: 44 + hr*24, Y: 22 + d*24, Fill: fill,
				Title: fmt.Sprintf("%s %02d:00–%02d:00: %d blocked", Weekdays[d], hr, hr+1, n)})
		}
	}
	return h
}

// trend is a vertical bar chart per day.
type trend struct {
	Bars     []vbar
	Max, Min string // the axis' top value, in words
	First    string
	Last     string
}

type vbar struct {
	X, W, Y, H float64
	Title      string
}

const trendH = 120

func trendOf(rep *Report, value func(Day) float64, words func(float64) string, unit string) trend {
	var t trend
	var top float64
	for _, d := range rep.Days {
		top = maxf(top, value(d))
	}
	n := len(rep.Days)
	if n == 0 {
		return t
	}
	w := 580.0 / float64(n)
	for i, d := range rep.Days {
		v := value(d)
		h := 0.0
		if top > 0 {
			h = trendH * v / top
		}
		t.Bars = append(t.Bars, vbar{X: 50 + float64(i)*w, W: maxf(w-1, 0.5), Y: 10 + trendH - h, H: h,
			Title: d.Date + ": " + words(v) + unit})
	}
	t.Max, t.First, t.Last = words(top), rep.Days[0].Date, rep.Days[n-1].Date
	return t
}

func max1(n int) int { return max(n, 1) }

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// short cuts s to n runes, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Human writes a length of time for people: "3 h 30 min", "45 s", "0".
func Human(d time.Duration) string {
	d = d.Round(time.Second)
	if d == 0 {
		return "0"
	}
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	h, d := d/time.Hour, d%time.Hour
	m, s := d/time.Minute, d%time.Minute/time.Second
	out := ""
	add := func(n time.Duration, unit string) {
		if n > 0 {
			if out != "" {
				out += " "
			}
			out += fmt.Sprintf("%d %s", n, unit)
		}
	}
	add(days, "d")
	add(h, "h")
	add(m, "min")
	if days == 0 && h == 0 {
		add(s, "s")
	}
	return out
}
