package validate

import (
	"fmt"
	"testing"
	"time"
)

// TestCalendarDay compares the calendar check of dates that matched their
// pattern with the standard library's date parser over every YYYY-MM-DD of
// several years.
func TestCalendarDay(t *testing.T) {
	for _, y := range []int{0, 1, 4, 100, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				_, err := time.Parse("2006-01-02", s)
				if got := calendarProblem(s) == ""; got != (err == nil) {
					t.Errorf("calendarProblem(%q) accepts: %v, time.Parse says %v", s, got, err)
				}
			}
		}
	}
}
