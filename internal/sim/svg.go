package sim

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// svg is a tiny SVG writer: just the shapes our plots use.
type svg struct {
	b    strings.Builder
	w, h float64
}

func newSVG(w, h float64) *svg {
	s := &svg{w: w, h: h}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&s.b, `<rect width="%.0f" height="%.0f" fill="white"/>`+"\n", w, h)
	return s
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	d := ""
	if dash != "" {
		d = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`+"\n", x1, y1, x2, y2, stroke, width, d)
}

// polyline draws a path through the points, breaking it at NaNs.
func (s *svg) polyline(xs, ys []float64, stroke string, width float64, dash string) {
	var pts []string
	flush := func() {
		if len(pts) > 1 {
			d := ""
			if dash != "" {
				d = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
			}
			fmt.Fprintf(&s.b, `<polyline fill="none" stroke="%s" stroke-width="%.1f"%s points="%s"/>`+"\n", stroke, width, d, strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			flush()
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs[i], ys[i]))
	}
	flush()
}

// area fills between the points and the baseline y0.
func (s *svg) area(xs, ys []float64, y0 float64, fill string) {
	if len(xs) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%.1f,%.1f", xs[0], y0)
	for i := range xs {
		fmt.Fprintf(&b, " %.1f,%.1f", xs[i], ys[i])
	}
	fmt.Fprintf(&b, " %.1f,%.1f", xs[len(xs)-1], y0)
	fmt.Fprintf(&s.b, `<polygon fill="%s" stroke="none" points="%s"/>`+"\n", fill, b.String())
}

func (s *svg) rect(x, y, w, h float64, fill string) {
	fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, y, w, h, fill)
}

func (s *svg) circle(x, y, r float64, fill string) {
	fmt.Fprintf(&s.b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>`+"\n", x, y, r, fill)
}

func (s *svg) text(x, y float64, anchor string, size float64, fill, str string) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%.0f" fill="%s">%s</text>`+"\n", x, y, anchor, size, fill, html.EscapeString(str))
}

// textRotated writes vertical text reading bottom to top.
func (s *svg) textRotated(x, y, size float64, fill, str string) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="%.0f" fill="%s" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n", x, y, size, fill, x, y, html.EscapeString(str))
}

func (s *svg) String() string { return s.b.String() + "</svg>\n" }

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

func fmtTick(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e6:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 0.1:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2g", v)
	}
}

// palette gives each policy a fixed colour across plots.
func palette(policy string) string {
	switch policy {
	case "shoal":
		return "#d62728"
	case "hpa":
		return "#1f77b4"
	case "kpa":
		return "#2ca02c"
	case "weekago":
		return "#9467bd"
	case "static":
		return "#7f7f7f"
	case "oracle":
		return "#111111"
	}
	return "#ff7f0e"
}
