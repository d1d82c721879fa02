package sim

import (
	"testing"
	"time"
)

func TestEpochIsMondayMidnightUTC(t *testing.T) {
	e := time.Unix(epochUnix, 0).UTC()
	if e.Weekday() != time.Monday || e.Hour() != 0 || e.Minute() != 0 || e.Year() != 2024 {
		t.Errorf("epoch %v is not a Monday midnight in 2024", e)
	}
}
