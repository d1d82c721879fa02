package autoscale

import "time"

// ForecastParams tunes the forecaster. Zero values take the defaults below.
type ForecastParams struct {
	// DailyAlpha is the weight of a new day in the daily profile (EWMA
	// across days of the same minute of day). Default 0.3.
	DailyAlpha float64
	// WeeklyAlpha is the weight of a new week in the weekly profile.
	// Default 0.5.
	WeeklyAlpha float64
	// LevelAlpha and TrendBeta are Holt's smoothing weights (per minute) of
	// the de-seasonalised level (observed / profile). Defaults 0.5 and 0.05
	// (0.5 halved the forecast error at the lead time against 0.2 on our
	// generated traces: today's level matters more than smoothness).
	LevelAlpha float64
	TrendBeta  float64
	// TrendDamping is the per-minute damping of the trend. Default 0.9.
	TrendDamping float64
	// Quantile of the normalised forecast error added as margin. Default
	// 0.9 (0.95 cost about 5 % more instance time on noisy traces for no
	// fewer violations in our simulations).
	Quantile float64
	// ErrorHalfLife is the half-life of the error histogram and of the
	// daily/weekly blend's error estimates. Default 24 h.
	ErrorHalfLife time.Duration
	// MinHistory is how much history (minutes observed) the forecaster
	// needs before it forecasts at all. Default 24 h.
	MinHistory time.Duration
	// MinEvaluated is how many of its own forecasts must have been checked
	// against reality before they are used. Default 60 (an hour).
	MinEvaluated int
	// RecentErrorWindow is the time constant of the recent mean absolute
	// normalised error. Default 30 min.
	RecentErrorWindow time.Duration
	// MaxRecentError: above this recent error the forecast is not used.
	// Default 0.5 (forecasts off by half the demand on average).
	MaxRecentError float64
	// OutlierRatio caps how far above its profile one minute may pull the
	// profiles (flash crowds should not be learned as next week's load).
	// Default 3.
	OutlierRatio float64
}

func (f ForecastParams) withDefaults() ForecastParams {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&f.DailyAlpha, 0.3)
	def(&f.WeeklyAlpha, 0.5)
	def(&f.LevelAlpha, 0.5)
	def(&f.TrendBeta, 0.05)
	def(&f.TrendDamping, 0.9)
	def(&f.Quantile, 0.9)
	def(&f.MaxRecentError, 0.5)
	def(&f.OutlierRatio, 3)
	if f.ErrorHalfLife <= 0 {
		f.ErrorHalfLife = 24 * time.Hour
	}
	if f.MinHistory <= 0 {
		f.MinHistory = 24 * time.Hour
	}
	if f.MinEvaluated <= 0 {
		f.MinEvaluated = 60
	}
	if f.RecentErrorWindow <= 0 {
		f.RecentErrorWindow = 30 * time.Minute
	}
	return f
}
