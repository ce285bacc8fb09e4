package views

import (
	"context"
	"strings"

	"lineescrow/models"
)

// The seller's money chart: stacked daily bars (held in escrow, waiting for
// the operator's collection, available) drawn as a server-side SVG with a
// labelled amount axis and date axis, described for screen readers, and the
// same figures in a table beside it.

// Chart geometry, in the SVG's own units.
const (
	chartLeft   = 64  // room for the amount labels
	chartTop    = 10  // above the highest tick
	chartBottom = 130 // the date axis
	chartSlot   = 12  // one day's slot
	chartWidth  = 10  // one day's bar
)

type chartTick struct {
	At    int // y for amounts, x for dates
	Label string
}

type chartBar struct {
	X                        int
	Held, Pending, Available chartSpan
	Point                    ChartPoint
}

type chartSpan struct{ Y, H int }

type chartView struct {
	Width, Height int
	Right         int // the plot's right edge
	Bars          []chartBar
	Amounts       []chartTick
	Dates         []chartTick
}

// chartStep is the amount axis's step in fen: 1, 2 or 5 × 10ⁿ yuan (or fen,
// for tiny amounts), so that at most four steps reach top.
func chartStep(top int64) int64 {
	if top <= 0 {
		return 100
	}
	for mag := int64(1); ; mag *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if s := m * mag; s*4 >= top {
				return s
			}
		}
	}
}

// axisMoney writes an axis amount briefly: whole yuan without decimals.
func axisMoney(fen int64) string {
	s := models.FromFen(fen).Display()
	return strings.TrimSuffix(s, ".00")
}

func dayTotal(p ChartPoint) models.Money { return p.Held.Add(p.Pending).Add(p.Available) }

// newChart lays out points (oldest first).
func newChart(points []ChartPoint) chartView {
	var top int64
	for _, p := range points {
		if f := dayTotal(p).Fen(); f > top {
			top = f
		}
	}
	step := chartStep(top)
	axisTop := step * ((top + step - 1) / step)
	if axisTop == 0 {
		axisTop = step
	}
	plotH := int64(chartBottom - chartTop)
	y := func(fen int64) int { return chartBottom - int(fen*plotH/axisTop) }
	v := chartView{Width: chartLeft + len(points)*chartSlot + 8, Height: chartBottom + 22}
	v.Right = chartLeft + len(points)*chartSlot
	for a := int64(0); a <= axisTop; a += step {
		v.Amounts = append(v.Amounts, chartTick{At: y(a), Label: axisMoney(a)})
	}
	for i, p := range points {
		x := chartLeft + i*chartSlot + 1
		b := chartBar{X: x, Point: p}
		base := int64(0)
		span := func(m models.Money) chartSpan {
			lo, hi := y(base), y(base+m.Fen())
			base += m.Fen()
			return chartSpan{Y: hi, H: lo - hi}
		}
		b.Held, b.Pending, b.Available = span(p.Held), span(p.Pending), span(p.Available)
		v.Bars = append(v.Bars, b)
		// A date under the first bar, every seventh, and the last.
		if i == 0 || i == len(points)-1 || (i%7 == 0 && len(points)-1-i >= 4) {
			v.Dates = append(v.Dates, chartTick{At: x + chartWidth/2, Label: p.Day})
		}
	}
	return v
}

// chartSummary is the chart's text alternative: the period, today's money by
// stage and the highest day.
func chartSummary(ctx context.Context, points []ChartPoint) string {
	if len(points) == 0 {
		return ""
	}
	last, high := points[len(points)-1], points[0]
	for _, p := range points {
		if dayTotal(p).GreaterThan(dayTotal(high)) {
			high = p
		}
	}
	return Tf(ctx, "Your money each day from %s to %s. Today: %s held in escrow, %s waiting for the operator to collect, %s available. Highest: %s on %s.",
		points[0].Day, last.Day, last.Held.Display(), last.Pending.Display(), last.Available.Display(), dayTotal(high).Display(), high.Day)
}
