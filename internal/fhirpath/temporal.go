package fhirpath

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Precision of a partial date, date-time or time: how many of its
// components were given.
type Precision int

// The precisions, coarsest first.
const (
	PrecYear Precision = iota + 1
	PrecMonth
	PrecDay
	PrecHour
	PrecMinute
	PrecSecond
	PrecMillisecond
)

// DateTime is a System.DateTime, or a System.Date when DateOnly is set: a
// partial point in time with the precision it was written with and, when it
// has a time of day, an optional time-zone offset.
type DateTime struct {
	Year, Month, Day     int
	Hour, Minute, Second int
	Nanosecond           int
	Precision            Precision
	// HasZone says whether ZoneMinutes (the offset east of UTC) was given.
	HasZone     bool
	ZoneMinutes int
	DateOnly    bool
}

// Time is a System.Time: a partial time of day.
type Time struct {
	Hour, Minute, Second, Nanosecond int
	Precision                        Precision
}

// SystemType returns "Date" or "DateTime".
func (d DateTime) SystemType() string {
	if d.DateOnly {
		return "Date"
	}
	return "DateTime"
}

// String renders the value in FHIR's format at its own precision.
func (d DateTime) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%04d", d.Year)
	if d.Precision >= PrecMonth {
		fmt.Fprintf(&b, "-%02d", d.Month)
	}
	if d.Precision >= PrecDay {
		fmt.Fprintf(&b, "-%02d", d.Day)
	}
	if d.Precision >= PrecHour {
		b.WriteByte('T')
		writeClock(&b, d.Hour, d.Minute, d.Second, d.Nanosecond, d.Precision)
		if d.HasZone {
			if d.ZoneMinutes == 0 {
				b.WriteByte('Z')
			} else {
				z := d.ZoneMinutes
				sign := '+'
				if z < 0 {
					sign, z = '-', -z
				}
				fmt.Fprintf(&b, "%c%02d:%02d", sign, z/60, z%60)
			}
		}
	}
	return b.String()
}

// SystemType returns "Time".
func (Time) SystemType() string { return "Time" }

// String renders the time as hh:mm:ss(.fff) at its own precision.
func (t Time) String() string {
	var b strings.Builder
	writeClock(&b, t.Hour, t.Minute, t.Second, t.Nanosecond, t.Precision)
	return b.String()
}

func writeClock(b *strings.Builder, h, m, s, ns int, p Precision) {
	fmt.Fprintf(b, "%02d", h)
	if p >= PrecMinute {
		fmt.Fprintf(b, ":%02d", m)
	}
	if p >= PrecSecond {
		fmt.Fprintf(b, ":%02d", s)
	}
	if p >= PrecMillisecond {
		fmt.Fprintf(b, ".%03d", ns/1e6)
	}
}

// ParseDateTime reads a FHIR date, dateTime or instant (YYYY, YYYY-MM,
// YYYY-MM-DD, then optionally Thh:mm:ss.fff and a zone). FHIRPath literals
// may also stop at the hour ("2015-02-04T14").
func ParseDateTime(s string) (DateTime, bool) {
	var d DateTime
	p := &scanner{s: s}
	var ok bool
	if d.Year, ok = p.digits(4); !ok {
		return d, false
	}
	d.Precision, d.Month, d.Day = PrecYear, 1, 1
	if p.eat('-') {
		if d.Month, ok = p.digits(2); !ok || d.Month < 1 || d.Month > 12 {
			return d, false
		}
		d.Precision = PrecMonth
		if p.eat('-') {
			if d.Day, ok = p.digits(2); !ok || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
				return d, false
			}
			d.Precision = PrecDay
		}
	}
	if p.eat('T') {
		if d.Precision != PrecDay {
			return d, false
		}
		if p.done() {
			return d, true // "@2015-02-04T" is a DateTime at day precision
		}
		var t Time
		if t, ok = p.clock(); !ok {
			return d, false
		}
		d.Hour, d.Minute, d.Second, d.Nanosecond, d.Precision = t.Hour, t.Minute, t.Second, t.Nanosecond, t.Precision
		if !p.done() {
			if d.HasZone, d.ZoneMinutes, ok = p.zone(); !ok {
				return d, false
			}
		}
	} else if d.Precision == PrecDay || d.Precision < PrecDay {
		d.DateOnly = true
	}
	return d, p.done()
}

// ParseTime reads a time of day: hh, hh:mm, hh:mm:ss or hh:mm:ss.fff.
func ParseTime(s string) (Time, bool) {
	p := &scanner{s: s}
	t, ok := p.clock()
	return t, ok && p.done()
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

type scanner struct {
	s string
	i int
}

func (p *scanner) done() bool { return p.i == len(p.s) }

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *scanner) digits(n int) (int, bool) {
	if p.i+n > len(p.s) || !allDigits(p.s[p.i:p.i+n]) {
		return 0, false
	}
	v, _ := strconv.Atoi(p.s[p.i : p.i+n])
	p.i += n
	return v, true
}

func (p *scanner) clock() (Time, bool) {
	var t Time
	var ok bool
	if t.Hour, ok = p.digits(2); !ok || t.Hour > 23 {
		return t, false
	}
	t.Precision = PrecHour
	if !p.eat(':') {
		return t, true
	}
	if t.Minute, ok = p.digits(2); !ok || t.Minute > 59 {
		return t, false
	}
	t.Precision = PrecMinute
	if !p.eat(':') {
		return t, true
	}
	if t.Second, ok = p.digits(2); !ok || t.Second > 60 {
		return t, false
	}
	t.Precision = PrecSecond
	if p.eat('.') {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		frac := p.s[start:p.i]
		if frac == "" {
			return t, false
		}
		frac = (frac + "000000000")[:9]
		t.Nanosecond, _ = strconv.Atoi(frac)
		t.Precision = PrecMillisecond
	}
	return t, true
}

func (p *scanner) zone() (bool, int, bool) {
	if p.eat('Z') {
		return true, 0, true
	}
	sign := 1
	switch {
	case p.eat('+'):
	case p.eat('-'):
		sign = -1
	default:
		return false, 0, false
	}
	h, ok := p.digits(2)
	if !ok || h > 14 || !p.eat(':') {
		return false, 0, false
	}
	m, ok := p.digits(2)
	if !ok || m > 59 {
		return false, 0, false
	}
	return true, sign * (h*60 + m), true
}

// instant returns the value as a time.Time, missing components defaulted
// to their lowest value and a missing zone taken from loc.
func (d DateTime) instant(loc *time.Location) time.Time {
	zone := loc
	if d.HasZone {
		zone = time.FixedZone("", d.ZoneMinutes*60)
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Minute, d.Second, d.Nanosecond, zone)
}

// fromInstant copies the components of t into a value shaped like d.
func (d DateTime) fromInstant(t time.Time) DateTime {
	out := d
	out.Year, out.Month, out.Day = t.Year(), int(t.Month()), t.Day()
	if d.Precision >= PrecHour {
		out.Hour, out.Minute, out.Second, out.Nanosecond = t.Hour(), t.Minute(), t.Second(), t.Nanosecond()
		_, off := t.Zone()
		out.ZoneMinutes = off / 60
	}
	return out
}

// components lists the comparable parts of a value; seconds and their
// fraction count as one precision, as FHIRPath asks.
func (d DateTime) components() []int {
	return []int{d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second*1e9 + d.Nanosecond}
}

func comparablePrecision(p Precision) int {
	if p >= PrecSecond {
		return int(PrecSecond)
	}
	return int(p)
}

// compareDateTime orders a and b. ok is false when the answer depends on
// components one of them does not have (different precisions that agree as
// far as both go), in which case FHIRPath says the result is empty. loc is
// the zone assumed for a time of day written without one; when it is nil,
// a value with a zone and one without cannot be ordered either.
func compareDateTime(a, b DateTime, loc *time.Location) (cmp int, ok bool) {
	if a.Precision >= PrecHour && b.Precision >= PrecHour {
		if loc == nil {
			if a.HasZone != b.HasZone {
				return 0, false
			}
			loc = time.UTC
		}
		// Only values with a time of day are moved to UTC; a bare date has
		// no zone to move from.
		a = a.fromInstant(a.instant(loc).UTC())
		b = b.fromInstant(b.instant(loc).UTC())
	}
	pa, pb := comparablePrecision(a.Precision), comparablePrecision(b.Precision)
	ca, cb := a.components(), b.components()
	for i := 0; i < min(pa, pb); i++ {
		if ca[i] != cb[i] {
			if ca[i] < cb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if pa != pb {
		return 0, false
	}
	return 0, true
}

func compareTime(a, b Time) (int, bool) {
	ca := []int{a.Hour, a.Minute, a.Second*1e9 + a.Nanosecond}
	cb := []int{b.Hour, b.Minute, b.Second*1e9 + b.Nanosecond}
	pa, pb := comparablePrecision(a.Precision)-int(PrecDay), comparablePrecision(b.Precision)-int(PrecDay)
	for i := 0; i < min(pa, pb); i++ {
		if ca[i] != cb[i] {
			if ca[i] < cb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if pa != pb {
		return 0, false
	}
	return 0, true
}

// addDuration moves d by n units of a calendar unit (singular keyword).
// Years and months move the calendar; the others move the clock.
func addDuration(d DateTime, n int64, unit string, loc *time.Location) (DateTime, bool) {
	const limit = 1 << 40 // keeps every product below overflow
	if n > limit || n < -limit {
		return d, false
	}
	t := d.instant(loc)
	switch unit {
	case "year", "month":
		// A calendar step keeps the day of the month where it can and
		// otherwise stops at the month's last day (31 January plus a
		// month is 28 February), as CQL and FHIRPath have it.
		months := n
		if unit == "year" {
			months = 12 * n
		}
		total := int64(t.Year())*12 + int64(t.Month()-1) + months
		y, m := int(total/12), int(total%12)+1
		if total < 0 || y > 9999 {
			return d, false
		}
		t = time.Date(y, time.Month(m), min(t.Day(), daysIn(y, m)), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	case "week":
		t = t.AddDate(0, 0, int(7*n))
	case "day":
		t = t.AddDate(0, 0, int(n))
	case "hour", "minute", "second", "millisecond":
		unitLen := map[string]time.Duration{"hour": time.Hour, "minute": time.Minute,
			"second": time.Second, "millisecond": time.Millisecond}[unit]
		// Whole days go through the calendar so that no Duration overflows.
		perDay := int64(24 * time.Hour / unitLen)
		t = t.AddDate(0, 0, int(n/perDay)).Add(time.Duration(n%perDay) * unitLen)
	default:
		return d, false
	}
	if t.Year() < 1 || t.Year() > 9999 {
		return d, false
	}
	out := d.fromInstant(t)
	return out, true
}
