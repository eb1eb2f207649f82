package policy

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func tod(s string) TimeOfDay {
	t, err := ParseTimeOfDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func daily(zone, from, to, start string) Schedule {
	return Schedule{Zone: zone, Every: Daily, From: tod(from), To: tod(to), Start: date(start)}
}

func mustCompile(t *testing.T, s Schedule) *Timetable {
	t.Helper()
	tt, err := s.Compile()
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return tt
}

// TestRecurrence checks windows over real zones. The expected instants
// are worked out by hand from the zones' rules (2026: New York changes on
// 8 March and 1 November, Lisbon on 29 March and 25 October, Lord Howe
// on 5 April and 4 October), not by the code under test.
func TestRecurrence(t *testing.T) {
	with := func(s Schedule, f func(*Schedule)) Schedule { f(&s); return s }
	tests := []struct {
		name       string
		s          Schedule
		at         string // instant asked about
		active     bool   // Active(at)
		start, end string // Window(at); "" = none
	}{
		// New York, spring forward (02:00 EST → 03:00 EDT at 07:00Z).
		{"NY 09–17 on spring day is 8 h, in EDT", daily("America/New_York", "09:00", "17:00", "2026-01-01"),
			"2026-03-08T16:00:00Z", true, "2026-03-08T13:00:00Z", "2026-03-08T21:00:00Z"},
		{"NY 01–05 across the jump lasts 3 h", daily("America/New_York", "01:00", "05:00", "2026-01-01"),
			"2026-03-08T06:30:00Z", true, "2026-03-08T06:00:00Z", "2026-03-08T09:00:00Z"},
		{"NY start in the skipped hour opens at the jump", daily("America/New_York", "02:30", "04:00", "2026-01-01"),
			"2026-03-08T06:59:00Z", false, "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"},
		{"NY window wholly in the skipped hour does not happen", daily("America/New_York", "02:10", "02:40", "2026-01-01"),
			"2026-03-08T07:00:00Z", false, "2026-03-09T06:10:00Z", "2026-03-09T06:40:00Z"},
		// New York, fall back (02:00 EDT → 01:00 EST at 06:00Z).
		{"NY 09–17 on fall day is 8 h, in EST", daily("America/New_York", "09:00", "17:00", "2026-01-01"),
			"2026-11-01T13:59:00Z", false, "2026-11-01T14:00:00Z", "2026-11-01T22:00:00Z"},
		{"NY 01–05 across the repeat lasts 5 h", daily("America/New_York", "01:00", "05:00", "2026-01-01"),
			"2026-11-01T09:30:00Z", true, "2026-11-01T05:00:00Z", "2026-11-01T10:00:00Z"},
		{"NY start in the repeated hour is the first 01:30", daily("America/New_York", "01:30", "03:00", "2026-01-01"),
			"2026-11-01T06:10:00Z", true, "2026-11-01T05:30:00Z", "2026-11-01T08:00:00Z"},
		// Lisbon (01:00Z both ways: 01:00 WET → 02:00 WEST, 02:00 WEST → 01:00 WET).
		{"Lisbon 09–17 on spring day", daily("Europe/Lisbon", "09:00", "17:00", "2026-01-01"),
			"2026-03-29T07:59:00Z", false, "2026-03-29T08:00:00Z", "2026-03-29T16:00:00Z"},
		{"Lisbon 09–17 on autumn day", daily("Europe/Lisbon", "09:00", "17:00", "2026-01-01"),
			"2026-10-25T16:59:00Z", true, "2026-10-25T09:00:00Z", "2026-10-25T17:00:00Z"},
		{"Lisbon 22–06 across midnight into spring day is 7 h", daily("Europe/Lisbon", "22:00", "06:00", "2026-01-01"),
			"2026-03-29T04:59:00Z", true, "2026-03-28T22:00:00Z", "2026-03-29T05:00:00Z"},
		{"Lisbon 22–06 across midnight into autumn day is 9 h", daily("Europe/Lisbon", "22:00", "06:00", "2026-01-01"),
			"2026-10-25T05:30:00Z", true, "2026-10-24T21:00:00Z", "2026-10-25T06:00:00Z"},
		{"Lisbon start in the skipped hour", daily("Europe/Lisbon", "01:30", "03:00", "2026-01-01"),
			"2026-03-29T00:59:00Z", false, "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
		{"Lisbon start in the repeated hour", daily("Europe/Lisbon", "01:30", "03:00", "2026-01-01"),
			"2026-10-25T00:00:00Z", false, "2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z"},
		// Lord Howe: +10:30 / +11, half-hour changes.
		{"Lord Howe start in the skipped half hour", daily("Australia/Lord_Howe", "02:10", "04:00", "2026-01-01"),
			"2026-10-03T15:00:00Z", false, "2026-10-03T15:30:00Z", "2026-10-03T17:00:00Z"},
		{"Lord Howe start in the repeated half hour", daily("Australia/Lord_Howe", "01:45", "03:00", "2026-01-01"),
			"2026-04-04T15:20:00Z", true, "2026-04-04T14:45:00Z", "2026-04-04T16:30:00Z"},
		{"Lord Howe 09–17 on spring day", daily("Australia/Lord_Howe", "09:00", "17:00", "2026-01-01"),
			"2026-10-04T05:59:00Z", true, "2026-10-03T22:00:00Z", "2026-10-04T06:00:00Z"},
		// Months and years.
		{"monthly on the 31st skips April", Schedule{Zone: "UTC", Every: Monthly, MonthDay: 31, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-31")},
			"2026-04-01T00:00:00Z", false, "2026-05-31T10:00:00Z", "2026-05-31T11:00:00Z"},
		{"monthly on the 31st is not on the 30th", Schedule{Zone: "UTC", Every: Monthly, MonthDay: 31, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-31")},
			"2026-04-30T10:30:00Z", false, "2026-05-31T10:00:00Z", "2026-05-31T11:00:00Z"},
		{"monthly on the last day: 30 April", Schedule{Zone: "UTC", Every: Monthly, MonthDay: LastDay, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-01")},
			"2026-04-30T10:30:00Z", true, "2026-04-30T10:00:00Z", "2026-04-30T11:00:00Z"},
		{"monthly on the last day: 28 February", Schedule{Zone: "UTC", Every: Monthly, MonthDay: LastDay, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-01")},
			"2026-02-01T00:00:00Z", false, "2026-02-28T10:00:00Z", "2026-02-28T11:00:00Z"},
		{"monthly on the last day: 29 February of a leap year", Schedule{Zone: "UTC", Every: Monthly, MonthDay: LastDay, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-01")},
			"2028-02-28T12:00:00Z", false, "2028-02-29T10:00:00Z", "2028-02-29T11:00:00Z"},
		{"monthly without a day takes the start's", Schedule{Zone: "UTC", Every: Monthly, From: tod("10:00"), To: tod("11:00"), Start: date("2026-01-15")},
			"2026-03-01T00:00:00Z", false, "2026-03-15T10:00:00Z", "2026-03-15T11:00:00Z"},
		{"annually on 29 February waits for a leap year", Schedule{Zone: "UTC", Every: Annually, From: tod("00:00"), To: tod("24:00"), Start: date("2024-02-29")},
			"2025-01-01T00:00:00Z", false, "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"},
		{"annually on 29 February: not on 28 February or 1 March", Schedule{Zone: "UTC", Every: Annually, From: tod("00:00"), To: tod("24:00"), Start: date("2024-02-29")},
			"2027-03-01T12:00:00Z", false, "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"},
		// Days of the week.
		{"weekdays skip the weekend", Schedule{Zone: "Europe/Lisbon", Every: Weekdays, From: tod("08:00"), To: tod("18:00"), Start: date("2026-12-01")},
			"2026-12-05T12:00:00Z", false, "2026-12-07T08:00:00Z", "2026-12-07T18:00:00Z"},
		{"weekly on Tuesday and Thursday", Schedule{Zone: "UTC", Every: Weekly, Days: []time.Weekday{time.Tuesday, time.Thursday}, From: tod("09:00"), To: tod("10:00"), Start: date("2026-12-01")},
			"2026-12-02T12:00:00Z", false, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z"},
		{"weekly without days takes the start's weekday", Schedule{Zone: "UTC", Every: Weekly, From: tod("09:00"), To: tod("10:00"), Start: date("2026-12-01")},
			"2026-12-02T12:00:00Z", false, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"},
		{"biweekly counts weeks from the start's week", Schedule{Zone: "UTC", Every: Biweekly, Days: []time.Weekday{time.Monday}, From: tod("09:00"), To: tod("10:00"), Start: date("2026-12-02")},
			"2026-12-01T00:00:00Z", false, "2026-12-14T09:00:00Z", "2026-12-14T10:00:00Z"},
		{"biweekly: the week after is off", Schedule{Zone: "UTC", Every: Biweekly, Days: []time.Weekday{time.Monday}, From: tod("09:00"), To: tod("10:00"), Start: date("2026-12-02")},
			"2026-12-21T09:30:00Z", false, "2026-12-28T09:00:00Z", "2026-12-28T10:00:00Z"},
		// Start and end dates.
		{"nothing before the start date", with(daily("UTC", "09:00", "10:00", "2026-12-01"), func(s *Schedule) { s.End = date("2026-12-03") }),
			"2026-11-01T09:30:00Z", false, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"},
		{"the end date is the last day", with(daily("UTC", "09:00", "10:00", "2026-12-01"), func(s *Schedule) { s.End = date("2026-12-03") }),
			"2026-12-03T09:30:00Z", true, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z"},
		{"nothing after the end date", with(daily("UTC", "09:00", "10:00", "2026-12-01"), func(s *Schedule) { s.End = date("2026-12-03") }),
			"2026-12-03T10:00:00Z", false, "", ""},
		{"a window opening on the end date runs past midnight", with(daily("UTC", "22:00", "02:00", "2026-12-01"), func(s *Schedule) { s.End = date("2026-12-03") }),
			"2026-12-04T01:00:00Z", true, "2026-12-03T22:00:00Z", "2026-12-04T02:00:00Z"},
		{"windows that touch are joined ahead", with(daily("UTC", "00:00", "24:00", "2026-12-01"), func(s *Schedule) { s.End = date("2026-12-05") }),
			"2026-12-02T12:00:00Z", true, "2026-12-02T00:00:00Z", "2026-12-06T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := mustCompile(t, tt.s)
			at := utc(tt.at)
			if got := tab.Active(at); got != tt.active {
				t.Errorf("Active(%s) = %v, want %v", tt.at, got, tt.active)
			}
			w, ok := tab.Window(at)
			if tt.start == "" {
				if ok {
					t.Errorf("Window(%s) = %s–%s, want none", tt.at, w.Start.UTC(), w.End.UTC())
				}
				return
			}
			if !ok || !w.Start.Equal(utc(tt.start)) || !w.End.Equal(utc(tt.end)) {
				t.Errorf("Window(%s) = %s–%s (%v), want %s–%s", tt.at, w.Start.UTC(), w.End.UTC(), ok, tt.start, tt.end)
			}
			if tt.active != w.Contains(at) {
				t.Errorf("Active and Window disagree at %s", tt.at)
			}
		})
	}
}

// TestActiveMatchesWindow walks a year in 7-minute steps through zones
// with changes and checks that Active and Window agree everywhere, so the
// two ways of finding windows cannot drift apart.
func TestActiveMatchesWindow(t *testing.T) {
	for _, s := range []Schedule{
		daily("America/New_York", "01:30", "02:30", "2026-01-01"),
		daily("Europe/Lisbon", "23:00", "01:30", "2026-01-01"),
		daily("Australia/Lord_Howe", "01:45", "02:15", "2026-01-01"),
		{Zone: "Europe/Lisbon", Every: Weekdays, From: tod("08:00"), To: tod("18:00"), Start: date("2026-01-01")},
		{Zone: "America/New_York", Every: Monthly, MonthDay: 31, From: tod("22:00"), To: tod("03:00"), Start: date("2026-01-01")},
	} {
		tab := mustCompile(t, s)
		for at := utc("2026-01-01T00:00:00Z"); at.Before(utc("2027-01-01T00:00:00Z")); at = at.Add(7 * time.Minute) {
			w, ok := tab.Window(at)
			if got := ok && w.Contains(at); got != tab.Active(at) {
				t.Fatalf("%s %s at %s: Active %v, Window %s–%s", s.Zone, s.Every, at, tab.Active(at), w.Start, w.End)
			}
		}
	}
}

// TestActiveRemembersTrueStretches checks that what Active remembers
// between calls (the stretch it last answered from) never changes an
// answer: walking forward in 3-minute steps (as the lock check's clock
// does), back again, and jumping about, each answer equals the one worked
// out from scratch, across clock changes and windows crossing midnight.
func TestActiveRemembersTrueStretches(t *testing.T) {
	for _, s := range []Schedule{
		daily("America/New_York", "01:30", "02:30", "2026-01-01"),
		daily("Europe/Lisbon", "23:00", "01:30", "2026-01-01"),
		daily("Europe/Lisbon", "00:00", "24:00", "2026-01-01"),
		daily("Australia/Lord_Howe", "01:45", "02:15", "2026-01-01"),
		{Zone: "Europe/Lisbon", Every: Weekdays, From: tod("08:00"), To: tod("18:00"), Start: date("2026-01-01"), End: date("2026-06-30")},
		{Zone: "America/New_York", Every: Monthly, MonthDay: LastDay, From: tod("22:00"), To: tod("03:00"), Start: date("2026-01-01")},
	} {
		tab := mustCompile(t, s)
		check := func(at time.Time) {
			t.Helper()
			if got, want := tab.Active(at), tab.active(at); got != want {
				t.Fatalf("%s %s %s–%s at %s: Active %v, worked out afresh %v", s.Zone, s.Every, s.From, s.To, at, got, want)
			}
		}
		from, to := utc("2026-03-01T00:00:00Z"), utc("2026-11-15T00:00:00Z")
		for at := from; at.Before(to); at = at.Add(3 * time.Minute) {
			check(at)
		}
		for at := to; at.After(from); at = at.Add(-11 * time.Minute) {
			check(at)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			check(from.Add(time.Duration(r.Int64N(int64(to.Sub(from))))))
		}
	}
}

func TestWeek(t *testing.T) {
	tab := mustCompile(t, Schedule{Zone: "America/New_York", Every: Weekdays, From: tod("09:00"), To: tod("17:00"), Start: date("2026-01-01")})
	// The week of Sunday 8 March 2026 starts on Monday 2 March, in EST.
	week := tab.Week(utc("2026-03-08T12:00:00Z"))
	if len(week) != 5 || !week[0].Start.Equal(utc("2026-03-02T14:00:00Z")) || !week[4].End.Equal(utc("2026-03-06T22:00:00Z")) {
		t.Errorf("week of 8 March = %v", week)
	}
	// The next week is in EDT.
	week = tab.Week(utc("2026-03-09T12:00:00Z"))
	if len(week) != 5 || !week[0].Start.Equal(utc("2026-03-09T13:00:00Z")) {
		t.Errorf("week of 9 March = %v", week)
	}
	// A Sunday-night window reaches into the Monday of the next week.
	sun := mustCompile(t, Schedule{Zone: "UTC", Every: Weekly, Days: []time.Weekday{time.Sunday}, From: tod("22:00"), To: tod("02:00"), Start: date("2026-01-01")})
	week = sun.Week(utc("2026-12-09T12:00:00Z"))
	if len(week) != 2 || !week[0].Start.Equal(utc("2026-12-06T22:00:00Z")) || !week[1].Start.Equal(utc("2026-12-13T22:00:00Z")) {
		t.Errorf("Sunday-night week = %v", week)
	}
}

func TestScheduleErrorsNameTheField(t *testing.T) {
	ok := daily("Europe/Lisbon", "09:00", "17:00", "2026-12-01")
	tests := []struct {
		name  string
		edit  func(*Schedule)
		field string
	}{
		{"unknown zone", func(s *Schedule) { s.Zone = "Europe/Atlantis" }, "schedule.zone"},
		{"no zone", func(s *Schedule) { s.Zone = "" }, "schedule.zone"},
		{"server's local zone", func(s *Schedule) { s.Zone = "Local" }, "schedule.zone"},
		{"from equals to", func(s *Schedule) { s.To = s.From }, "schedule.to"},
		{"end before start", func(s *Schedule) { s.End = date("2026-11-30") }, "schedule.end"},
		{"no start", func(s *Schedule) { s.Start = Date{} }, "schedule.start"},
		{"impossible start", func(s *Schedule) { s.Start = Date{2026, 2, 30} }, "schedule.start"},
		{"unknown frequency", func(s *Schedule) { s.Every = "hourly" }, "schedule.every"},
		{"days on a daily schedule", func(s *Schedule) { s.Days = []time.Weekday{time.Monday} }, "schedule.days"},
		{"month day on a daily schedule", func(s *Schedule) { s.MonthDay = 3 }, "schedule.month_day"},
		{"month day 32", func(s *Schedule) { s.Every, s.MonthDay = Monthly, 32 }, "schedule.month_day"},
		{"from at 24:00", func(s *Schedule) { s.From = EndOfDay }, "schedule.from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			_, err := s.Compile()
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Compile = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	if _, err := ok.Compile(); err != nil {
		t.Errorf("valid schedule: %v", err)
	}
	// Every problem is reported at once.
	bad := Schedule{Zone: "Nowhere/Else", Every: Daily, From: tod("09:00"), To: tod("09:00")}
	_, err := bad.Compile()
	for _, f := range []string{"schedule.zone", "schedule.to", "schedule.start"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("Compile = %v, want it to name %s too", err, f)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for in, want := range map[string]TimeOfDay{"00:00": 0, "09:05": 545, "9:30": 570, "23:59": 1439, "24:00": EndOfDay} {
		if got, err := ParseTimeOfDay(in); err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "9", "24:01", "25:00", "12:60", "-1:00", "12:5", "noon", "123:00"} {
		if _, err := ParseTimeOfDay(in); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", in)
		}
	}
	if s := TimeOfDay(545).String(); s != "09:05" {
		t.Errorf("String = %s", s)
	}
}

// FuzzTimetable checks, for any schedule that compiles, that Active and
// Window agree at any instant and that Window's answer is well formed.
func FuzzTimetable(f *testing.F) {
	zones := []string{"America/New_York", "Europe/Lisbon", "Australia/Lord_Howe", "UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"}
	every := []Frequency{Daily, Weekdays, Weekly, Biweekly, Monthly, Annually}
	f.Add(uint8(0), uint8(0), uint16(90), uint16(300), uint16(0), int8(0), uint8(0), int64(6*86400+7*3600))
	f.Add(uint8(1), uint8(4), uint16(1320), uint16(360), uint16(30), int8(31), uint8(3), int64(88*86400))
	f.Add(uint8(2), uint8(5), uint16(105), uint16(1440), uint16(59), int8(0), uint8(1), int64(1500*86400))
	f.Fuzz(func(t *testing.T, zone, freq uint8, from, to, startDay uint16, monthDay int8, days uint8, offset int64) {
		s := Schedule{
			Zone: zones[int(zone)%len(zones)], Every: every[int(freq)%len(every)],
			From: TimeOfDay(from % 1440), To: TimeOfDay(to%1440 + 1),
			Start: (dayNumber(20454) + dayNumber(startDay%3000)).date(), // from 2026-01-01
		}
		if s.Every == Weekly || s.Every == Biweekly {
			for d := time.Sunday; d <= time.Saturday; d++ {
				if days&(1<<d) != 0 {
					s.Days = append(s.Days, d)
				}
			}
		}
		if s.Every == Monthly {
			s.MonthDay = int(monthDay) % 32
		}
		tab, err := s.Compile()
		if err != nil {
			return
		}
		at := utc("2026-01-01T00:00:00Z").Add(time.Duration(offset%(10*365*86400)) * time.Second)
		w, ok := tab.Window(at)
		if ok && (!w.Start.Before(w.End) || !w.End.After(at)) {
			t.Fatalf("%+v at %s: Window %s–%s", s, at, w.Start, w.End)
		}
		if got := ok && w.Contains(at); got != tab.Active(at) {
			t.Fatalf("%+v at %s: Active %v, Window %s–%s (%v)", s, at, tab.Active(at), w.Start, w.End, ok)
		}
	})
}

func TestScheduleJSON(t *testing.T) {
	in := Schedule{Zone: "Europe/Lisbon", Every: Monthly, MonthDay: LastDay, From: tod("22:30"), To: tod("24:00"), Start: date("2026-12-01")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"zone":"Europe/Lisbon","every":"monthly","month_day":-1,"from":"22:30","to":"24:00","start":"2026-12-01"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var out Schedule
	if err := json.Unmarshal(b, &out); err != nil || out.From != in.From || out.To != in.To || out.Start != in.Start || !out.End.IsZero() {
		t.Errorf("round trip = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"from":"25:00"}`), &out); err == nil {
		t.Error("accepted from 25:00")
	}
}
