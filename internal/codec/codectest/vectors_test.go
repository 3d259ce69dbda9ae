package codectest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsShapes reads one line of each file shape: the lorawan-devices one with
// {data, errors} and a number fPort, and the Cayenne LPP one with the object itself and a
// null fPort.
func TestVectorsShapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.jsonl")
	lines := `{"vendor":"elsys","device":"ers","description":"ok","fPort":5,` +
		`"bytes_hex":"0100e2","expected":{"data":{"temperature":22.6}}}
{"vendor":"elsys","device":"ers","description":"bad port","fPort":0,"bytes_hex":"",` +
		`"expected":{"errors":["unknown FPort"]}}
{"format":"cayennelpp","description":"lpp","fPort":null,"bytes_hex":"0167ffd7",` +
		`"expected":{"temperatureSensor":{"1":-4.1}}}
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}

	vs := Vectors(t, path, nil)
	if len(vs) != 3 {
		t.Fatalf("%d vectors, want 3", len(vs))
	}
	Equal(t, "ttn", vs[0].Expected.Data, obj{"temperature": 22.6})
	if in := vs[0].Input(t); in.FPort != 5 || len(in.Bytes) != 3 {
		t.Errorf("input %+v", in)
	}
	if len(vs[1].Expected.Errors) != 1 || vs[1].Expected.Data != nil {
		t.Errorf("error vector read as %+v", vs[1].Expected)
	}
	Equal(t, "lpp", vs[2].Expected.Data, obj{"temperatureSensor": obj{"1": -4.1}})
	if vs[2].FPort != 0 {
		t.Errorf("null fPort read as %d", vs[2].FPort)
	}

	if got := Vectors(t, path, Vendor("elsys", "ers")); len(got) != 2 {
		t.Errorf("Vendor(elsys, ers) matched %d, want 2", len(got))
	}
	r := record(func(tb testing.TB) { Vectors(tb, path, Vendor("elsys", "ers-co2")) })
	if !r.fatal {
		t.Error("no matching vector did not fail the test")
	}
}

// TestSharedFiles checks that every line of the shared files reads, with an expectation.
func TestSharedFiles(t *testing.T) {
	for _, path := range []string{TTNVectors, LPPVectors} {
		for _, v := range Vectors(t, path, nil) {
			if v.Expected.Data == nil && len(v.Expected.Errors) == 0 {
				t.Errorf("%s: %s/%s expects nothing", path, v.Vendor, v.Description)
			}
			v.Bytes(t)
		}
	}
}

func TestHex(t *testing.T) {
	if b := Hex(t, "CB F6 0b"); len(b) != 3 || b[0] != 0xCB || b[2] != 0x0B {
		t.Errorf("Hex = % x", b)
	}
	if r := record(func(tb testing.TB) { Hex(tb, "0G") }); !r.fatal {
		t.Error("bad hex did not fail the test")
	}
}
