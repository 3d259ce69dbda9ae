package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/vindel-hub/vindel/devices"
	"github.com/vindel-hub/vindel/internal/model"
)

// pageData is what the page template shows.
type pageData struct {
	CSS       template.CSS
	Script    template.JS
	Head      string // the offset the script resumes after; empty when unknown
	Generated timeView
	Problem   string // shown when the latest values could not be read
	Devices   []deviceView
}

// deviceView is one public device.
type deviceView struct {
	Name, DevEUI, Description, Location, Licence string
	Streams                                      []streamView
}

// streamView is one Datastream and its latest value.
type streamView struct {
	ID       int64
	Name     string
	Value    string
	Unit     string // the symbol, e.g. "°C"
	UnitName string // spelled out, for the abbr title
	Time     timeView
}

// timeView is a time as the page writes it: machine-readable and for people.
type timeView struct{ ISO, Text string }

// noValue stands in a Datastream's value cell until it has an Observation.
const noValue = "no value yet"

// build reads what the page shows. The head is read before the latest values, so the
// script, resuming after it, may see an Observation the page already shows but never misses
// one that came in between.
func (h *handler) build(ctx context.Context) pageData {
	d := pageData{CSS: template.CSS(style), Script: template.JS(script),
		Generated: timeOf(h.now())}

	head, err := h.st.LastID(ctx)
	if err == nil {
		d.Head = strconv.FormatUint(head, 10)
	}
	latest, lerr := h.st.Latest(ctx)
	if err = firstErr(err, lerr); err != nil {
		h.log.Error("web: reading the latest values", "err", err)
		d.Problem = "The latest values could not be read just now; try again in a moment."
	}

	snap := h.cat.Public()
	if snap == nil {
		return d
	}
	for _, dev := range snap.Devices {
		d.Devices = append(d.Devices, deviceOf(dev, snap.DatastreamsOf(dev.ID), latest))
	}
	return d
}

// deviceOf builds the view of one device and its Datastreams.
func deviceOf(dev *devices.Device, streams []*model.Datastream,
	latest map[int64]model.Observation) deviceView {
	v := deviceView{Name: dev.Name, DevEUI: dev.DevEUI, Description: dev.Description,
		Licence: dev.Licence}
	if v.Name == "" {
		v.Name = "Device " + dev.DevEUI
	}
	if l := dev.Location; l != nil {
		v.Location = fmt.Sprintf("%.5f, %.5f", l.Latitude, l.Longitude)
		if l.Name != "" {
			v.Location = l.Name + " (" + v.Location + ")"
		}
	}
	for _, ds := range streams {
		s := streamView{ID: ds.ID, Name: ds.Name, Value: noValue, Unit: ds.Unit.Symbol,
			UnitName: ds.Unit.Name}
		if s.Name == "" {
			s.Name = ds.Property
		}
		if s.Unit == "" {
			s.Unit = ds.Unit.UCUM
		}
		if o, ok := latest[ds.ID]; ok {
			s.Value = resultText(o.Result)
			s.Time = timeOf(o.PhenomenonTime)
		}
		v.Streams = append(v.Streams, s)
	}
	return v
}

// resultText writes a result as the script does (JavaScript's String), so a value does not
// change its look when the first live update replaces it.
func resultText(v model.Value) string {
	switch v.Kind {
	case model.KindNumber:
		return numberText(v.Num)
	case model.KindString:
		return v.Str
	case model.KindBool:
		return strconv.FormatBool(v.Num != 0)
	}
	return "no value"
}

// numberText formats f as JavaScript's Number.prototype.toString does for the values a
// sensor sends: plain decimals from 1e-6 up to 1e21 (ECMA-262, Number::toString).
func numberText(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "no value" // JSON carries these as null
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// timeOf writes t in UTC, to the millisecond for machines and to the second for people.
func timeOf(t time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	t = t.UTC()
	return timeView{ISO: t.Format("2006-01-02T15:04:05.999Z07:00"),
		Text: t.Format("2006-01-02 15:04:05") + " UTC"}
}

// firstErr returns the first error that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
