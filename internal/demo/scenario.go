// Package demo is the load generator behind `shoal demo`: it plays "a day
// in fast-forward" against the album shop (examples/album) through the
// gateway, so that each service's load rises and falls at its own time and
// the autoscaler, breaker and fallback have something to show.
//
// Load is open-loop: arrivals follow a Poisson process at each phase's
// rates whether or not earlier requests have finished, as real users do; a
// slow system therefore sees requests pile up instead of the generator
// politely slowing down. Every request goes to a loopback address, carries
// a timeout, and the run ends by itself.
package demo

import (
	"errors"
	"fmt"
	"time"
)

// Kind is a type of request the generator sends to the storefront.
type Kind string

// The request kinds, with the storefront endpoint each one calls.
const (
	KindHome   Kind = "home"   // GET /
	KindAlbum  Kind = "album"  // GET /album/{id}
	KindOrder  Kind = "order"  // POST /order
	KindUpload Kind = "upload" // POST /upload?work=N
)

// Kinds lists every kind in a fixed order. A function, not a package
// variable, so nothing can change the order under a running generator.
func Kinds() [4]Kind { return [4]Kind{KindHome, KindAlbum, KindOrder, KindUpload} }

// Rates are arrivals per second of each kind.
type Rates struct {
	Home, Album, Order, Upload float64
}

// Total is the phase's whole arrival rate.
func (r Rates) Total() float64 { return r.Home + r.Album + r.Order + r.Upload }

func (r Rates) of(k Kind) float64 {
	switch k {
	case KindHome:
		return r.Home
	case KindAlbum:
		return r.Album
	case KindOrder:
		return r.Order
	}
	return r.Upload
}

// Phase is one part of the day.
type Phase struct {
	// Name shown in ticks and the report ("morning").
	Name string
	// Relative length: a phase lasts Share / (sum of shares) of the run.
	Share float64
	// Arrivals per second, before Options.Intensity.
	Rates Rates
	// The comments service fails for the whole phase: when the phase starts
	// the generator calls its POST /fail?for=<the phase's length>.
	CommentsFail bool
}

// Scenario is the whole day.
type Scenario struct {
	Phases []Phase
	// Album ids asked for are 1..Albums. Default 12 (the catalog's size).
	Albums int
	// Work units per upload, passed as ?work=N (about 30 ms of CPU each).
	// Default 1.
	UploadWork int
	// Size of each uploaded photo. Default 16 KiB.
	UploadBytes int
	// Time limit of each request. Default 5s.
	RequestTimeout time.Duration
	// Most requests sent in the whole run; arrivals past it are not sent.
	// Default 100000.
	MaxRequests int
	// Most requests in flight at once; an arrival past it is dropped
	// (counted, not sent), which keeps an overloaded gateway from growing
	// an unbounded number of goroutines here. Default 256.
	MaxInFlight int
}

// Day is the default scenario: night, morning uploads, a midday failure of
// the comments service, evening browsing, night again. The rates fit the
// targets in examples/album/shoal.yaml: uploads make the image workers
// scale out while the storefront stays near one instance; browsing scales
// the storefront, catalog and comments; at night the image workers go to
// zero.
func Day() Scenario {
	return Scenario{Phases: []Phase{
		{Name: "night", Share: 0.12, Rates: Rates{Home: 0.5, Album: 1}},
		{Name: "morning", Share: 0.24, Rates: Rates{Home: 0.5, Album: 1.5, Order: 0.5, Upload: 10}},
		{Name: "midday", Share: 0.20, Rates: Rates{Home: 3, Album: 9, Order: 1, Upload: 2}, CommentsFail: true},
		{Name: "evening", Share: 0.28, Rates: Rates{Home: 12, Album: 30, Order: 3, Upload: 1}},
		{Name: "late night", Share: 0.16, Rates: Rates{Home: 0.3, Album: 0.5}},
	}}
}

func (s Scenario) withDefaults() Scenario {
	if s.Albums <= 0 {
		s.Albums = 12
	}
	if s.UploadWork <= 0 {
		s.UploadWork = 1
	}
	if s.UploadBytes <= 0 {
		s.UploadBytes = 16 << 10
	}
	if s.RequestTimeout <= 0 {
		s.RequestTimeout = 5 * time.Second
	}
	if s.MaxRequests <= 0 {
		s.MaxRequests = 100000
	}
	if s.MaxInFlight <= 0 {
		s.MaxInFlight = 256
	}
	return s
}

func (s Scenario) validate() error {
	if len(s.Phases) == 0 {
		return errors.New("scenario has no phases")
	}
	for i, p := range s.Phases {
		if p.Share <= 0 {
			return fmt.Errorf("phase %d (%s): share must be positive", i, p.Name)
		}
		for _, k := range Kinds() {
			if r := p.Rates.of(k); r < 0 {
				return fmt.Errorf("phase %d (%s): %s rate %v is negative", i, p.Name, k, r)
			}
		}
	}
	return nil
}

// span is a phase placed on the run's clock.
type span struct {
	Phase
	start, end time.Duration
}

// layout places the phases over total, in order, with the last one ending
// exactly at total.
func (s Scenario) layout(total time.Duration) []span {
	var sum float64
	for _, p := range s.Phases {
		sum += p.Share
	}
	out := make([]span, len(s.Phases))
	var acc float64
	for i, p := range s.Phases {
		start := time.Duration(acc / sum * float64(total))
		acc += p.Share
		end := time.Duration(acc / sum * float64(total))
		if i == len(s.Phases)-1 {
			end = total
		}
		out[i] = span{Phase: p, start: start, end: end}
	}
	return out
}
