package exposure

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html
var reportHTML string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"human":   func(s Seconds) string { return Human(time.Duration(s)) },
	"stamp":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
	"day":     func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"join":    func(l []string) string { return strings.Join(l, ", ") },
	"origins": origins,
	"add":     func(a, b int) int { return a + b },
	"sub":     func(a, b int) int { return a - b },
	"mul":     func(a, b int) int { return a * b },
}).Parse(reportHTML))

// maxRows bounds each table of the HTML; the CSV and JSON have every row.
const maxRows = 1000

// view is what the templates read.
type view struct {
	R                       *Report
	Accounts                []Account
	Unlocks                 []Unlock
	AccountsCut, UnlocksCut bool
	Bars                    barChart
	Heat                    heatMap
	HeatRows                []heatRow
	Weekdays                [7]string
	Hours                   []int
	OpenTrend, BlockedTrend trendView
	// Embedded leaves the page's heading to the page around it.
	Embedded bool
}

type heatRow struct {
	Day     string
	Hour, N int
}

type trendView struct {
	ID, Caption, Fill string
	T                 trend
}

func newView(rep *Report) view {
	v := view{R: rep, Accounts: rep.Accounts, Unlocks: rep.Unlocks, Bars: topAccounts(rep), Heat: heat(rep), Weekdays: Weekdays}
	if len(v.Accounts) > maxRows {
		v.Accounts, v.AccountsCut = v.Accounts[:maxRows], true
	}
	if len(v.Unlocks) > maxRows {
		v.Unlocks, v.UnlocksCut = v.Unlocks[:maxRows], true
	}
	for h := 0; h < 24; h += 3 {
		v.Hours = append(v.Hours, h)
	}
	for d, row := range rep.Heat {
		for h, n := range row {
			if n > 0 {
				v.HeatRows = append(v.HeatRows, heatRow{Weekdays[d], h, n})
			}
		}
	}
	hours := func(d Day) float64 { return time.Duration(d.Open).Hours() }
	v.OpenTrend = trendView{ID: "open", Caption: "Open time per day, all accounts", Fill: "#0b5cad",
		T: trendOf(rep, hours, func(h float64) string { return Human(time.Duration(h * float64(time.Hour))) }, " open")}
	v.BlockedTrend = trendView{ID: "blocked", Caption: "Blocked sign-ins per day", Fill: "#b3261e",
		T: trendOf(rep, func(d Day) float64 { return float64(d.Blocked) }, func(n float64) string { return fmt.Sprint(int(n)) }, " blocked")}
	return v
}

func origins(l []Origin) string {
	var b strings.Builder
	for i, o := range l {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more", len(l)-5)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.IP)
		if o.Country != "" {
			b.WriteString(" (" + o.Country + ")")
		}
		fmt.Fprintf(&b, " ×%d", o.Count)
	}
	return b.String()
}

// WriteHTML writes the report as one self-contained, printable page:
// inline CSS, no script, nothing fetched.
func WriteHTML(w io.Writer, rep *Report) error {
	v := newView(rep)
	return tmpl.ExecuteTemplate(w, "page", pageView{view: v, Tenant: rep.Tenant, Since: rep.Since, Until: rep.Until})
}

type pageView struct {
	view
	Tenant       string
	Since, Until time.Time
}

// Body is the report's content without the page around it (no style, no
// heading): what the portal shows inside its own layout.
func Body(rep *Report) (template.HTML, error) {
	var b bytes.Buffer
	v := newView(rep)
	v.Embedded = true
	if err := tmpl.ExecuteTemplate(&b, "body", v); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // produced by html/template, escaped already
}
