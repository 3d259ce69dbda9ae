package devices

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/vindel-hub/vindel/internal/model"
)

func openRegistry(t *testing.T, path string) *Registry {
	t.Helper()
	r, err := Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestCreateUpdateDelete(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	r := openRegistry(t, path)

	d, err := r.Create(ctx, Device{DevEUI: "A1-B2-C3-D4-E5-F6-07-08", Profile: "elsys/ers-co2",
		Location: &Location{Latitude: 63.8, Longitude: 20.3}})
	if err != nil {
		t.Fatal(err)
	}
	if d.DevEUI != "a1b2c3d4e5f60708" || d.Name != d.DevEUI || d.Licence != DefaultLicence ||
		d.ID == 0 || d.LocationTime.IsZero() {
		t.Errorf("created %+v", d)
	}
	if _, err := r.Create(ctx, Device{DevEUI: "a1b2c3d4e5f60708", Profile: "x/y"}); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	for _, bad := range []Device{
		{DevEUI: "123", Profile: "x/y"},
		{DevEUI: "zzzzzzzzzzzzzzzz", Profile: "x/y"},
		{DevEUI: "0000000000000001"},
		{DevEUI: "0000000000000002", Profile: "x/y", Location: &Location{Latitude: 91}},
		{DevEUI: "0000000000000003", Profile: "x/y", Licence: "<b>x</b>"},
	} {
		if _, err := r.Create(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("create %+v: %v, want ErrInvalid", bad, err)
		}
	}

	if r.Public().Devices != nil {
		t.Error("a private device is in the public view")
	}
	d.Public, d.Name = true, "Room 101"
	up, err := r.Update(ctx, d.DevEUI, d)
	if err != nil {
		t.Fatal(err)
	}
	if !up.LocationTime.Equal(d.LocationTime) {
		t.Error("location time moved although the location did not")
	}
	if got, ok := r.Public().DeviceByEUI(d.DevEUI); !ok || got.Name != "Room 101" {
		t.Errorf("public view after update: %+v %v", got, ok)
	}

	// Everything survives a restart.
	r.Close()
	r2 := openRegistry(t, path)
	if got, ok := r2.All().DeviceByEUI(d.DevEUI); !ok || got.Name != "Room 101" || !got.Public {
		t.Fatalf("after reopen: %+v %v", got, ok)
	}
	if err := r2.Delete(ctx, d.DevEUI); err != nil {
		t.Fatal(err)
	}
	if err := r2.Delete(ctx, d.DevEUI); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func TestDatastreamsAndVisibility(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	r := openRegistry(t, path)
	pub, _ := r.Create(ctx, Device{DevEUI: "0000000000000001", Profile: "a/b", Public: true})
	priv, _ := r.Create(ctx, Device{DevEUI: "0000000000000002", Profile: "a/b"})

	sensor := model.Sensor{Key: "a/b@*", Name: "A B"}
	temp := model.ObservedProperty{Name: "air_temperature", Definition: "http://example.org/t"}
	unit := model.Unit{UCUM: "Cel", Symbol: "°C", Name: "degree Celsius"}
	ds1, err := r.Datastream(ctx, &pub, sensor, temp, model.Datastream{Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Datastream(ctx, &pub, sensor, temp, model.Datastream{})
	if err != nil || again.ID != ds1.ID {
		t.Fatalf("second lookup gave %+v, %v; want datastream %d", again, err, ds1.ID)
	}
	ds2, err := r.Datastream(ctx, &priv, sensor, temp, model.Datastream{Unit: unit})
	if err != nil || ds2.ID == ds1.ID {
		t.Fatalf("private device's datastream: %+v %v", ds2, err)
	}

	view := r.Public()
	if _, ok := view.Datastream(ds1.ID); !ok {
		t.Error("public device's datastream missing from the public view")
	}
	if _, ok := view.Datastream(ds2.ID); ok {
		t.Error("private device's datastream in the public view")
	}
	if len(view.Sensors) != 1 || len(view.Properties) != 1 {
		t.Errorf("public view: %d sensors, %d properties", len(view.Sensors), len(view.Properties))
	}

	r.Close()
	r2 := openRegistry(t, path)
	got, ok := r2.All().Datastream(ds1.ID)
	if !ok || got.Unit.UCUM != "Cel" || got.Property != "air_temperature" || got.DevEUI != pub.DevEUI {
		t.Fatalf("after reopen: %+v", got)
	}
	same, err := r2.Datastream(ctx, &pub, sensor, temp, model.Datastream{})
	if err != nil || same.ID != ds1.ID {
		t.Errorf("after reopen the datastream was created again: %+v %v", same, err)
	}

	// Deleting the device takes its datastreams out of every view.
	if err := r2.Delete(ctx, pub.DevEUI); err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.All().Datastream(ds1.ID); ok {
		t.Error("datastream of a deleted device still listed")
	}
}

// TestSnapshotsGrowWithoutRebuild checks that a snapshot taken before a Datastream was added
// does not see it, while the new one does, through every accessor.
func TestSnapshotsGrowWithoutRebuild(t *testing.T) {
	ctx := context.Background()
	r := openRegistry(t, filepath.Join(t.TempDir(), "r.db"))
	dev, _ := r.Create(ctx, Device{DevEUI: "0000000000000001", Profile: "a/b", Public: true})
	sensor := model.Sensor{Key: "a/b@*"}
	props := []string{"p1", "p2", "p3"}
	ds1, err := r.Datastream(ctx, &dev, sensor, model.ObservedProperty{Name: props[0]}, model.Datastream{})
	if err != nil {
		t.Fatal(err)
	}
	old, oldPub := r.All(), r.Public()
	var added []*model.Datastream
	for _, p := range props[1:] {
		ds, err := r.Datastream(ctx, &dev, sensor, model.ObservedProperty{Name: p}, model.Datastream{})
		if err != nil {
			t.Fatal(err)
		}
		added = append(added, ds)
	}
	for _, s := range []*Snapshot{old, oldPub} {
		if got := s.DatastreamsOf(dev.ID); len(got) != 1 || got[0].ID != ds1.ID {
			t.Errorf("old snapshot sees %d datastreams of the thing, want 1", len(got))
		}
		if _, ok := s.Datastream(added[0].ID); ok || len(s.Datastreams) != 1 {
			t.Error("old snapshot sees a datastream added after it")
		}
	}
	for _, s := range []*Snapshot{r.All(), r.Public()} {
		if got := s.DatastreamsOf(dev.ID); len(got) != 3 {
			t.Errorf("new snapshot sees %d datastreams of the thing, want 3", len(got))
		}
		for _, ds := range added {
			if got, ok := s.Datastream(ds.ID); !ok || got.Property != ds.Property {
				t.Errorf("new snapshot misses datastream %d", ds.ID)
			}
		}
	}
}

// TestCreateGrowsSnapshots: a device registered after a snapshot was taken is in the new
// snapshots only, public ones only when public, and a full rebuild agrees with the grown one.
func TestCreateGrowsSnapshots(t *testing.T) {
	ctx := context.Background()
	r := openRegistry(t, filepath.Join(t.TempDir(), "r.db"))
	a, _ := r.Create(ctx, Device{DevEUI: "0000000000000001", Profile: "a/b", Public: true})
	old := r.All()
	b, _ := r.Create(ctx, Device{DevEUI: "0000000000000002", Profile: "a/b", Public: true})
	c, _ := r.Create(ctx, Device{DevEUI: "0000000000000003", Profile: "a/b"})
	if _, ok := old.DeviceByEUI(b.DevEUI); ok || len(old.Devices) != 1 {
		t.Error("an old snapshot sees a device registered after it")
	}
	if _, ok := r.Public().Device(c.ID); ok {
		t.Error("a private device is in the public view")
	}
	for _, s := range []*Snapshot{r.All(), PublicView(r.snapshot())} {
		if d, ok := s.Device(b.ID); !ok || d.DevEUI != b.DevEUI {
			t.Errorf("device %d missing", b.ID)
		}
	}
	if got, want := len(r.All().Devices), 3; got != want || r.All().Devices[0].ID != a.ID {
		t.Errorf("%d devices, want %d in id order", got, want)
	}
}

// TestSPDXLike checks the licence shapes the registry takes and refuses.
func TestSPDXLike(t *testing.T) {
	for s, want := range map[string]bool{
		"CC0-1.0": true, "CC-BY-4.0": true, "ODbL-1.0": true, "CC0-1.0 OR ODbL-1.0": true,
		"(MIT AND CC-BY-4.0)": true, "GPL-2.0-or-later WITH Classpath-exception-2.0": true,
		"CC BY": false, "": false, "OR": false, "CC0-1.0 OR": false, "<b>x</b>": false,
		"CC0-1.0 AND AND MIT": false, "a b c": false,
	} {
		if got := spdxLike(s); got != want {
			t.Errorf("spdxLike(%q) = %v, want %v", s, got, want)
		}
	}
}
