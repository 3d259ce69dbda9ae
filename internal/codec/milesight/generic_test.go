package milesight

import (
	"errors"
	"slices"
	"testing"

	"github.com/vindel-hub/vindel/internal/codec"
	"github.com/vindel-hub/vindel/internal/codec/codectest"
)

// TestPartial covers payloads decoded in part: a warning says what was left out.
func TestPartial(t *testing.T) {
	tests := []struct {
		name, model, hex string
		want             want
		warns            int
	}{
		{"generic: a pair that differs between models is skipped", "", "017564 030001 03671901",
			want{"battery": 100.0, "temperature": 28.1}, 1},
		{"generic: history of model-dependent size ends the parse", "",
			"017564 20CE" + ts + "10015D00 03671901", want{"battery": 100.0}, 1},
		{"generic: humidity wins over EM500-SMTC moisture", "", "046873",
			want{"humidity": 57.5}, 0},
		{"generic: the AM107 activity of the am307 vector is decoded", "",
			"01755c03673401046865056a4900",
			want{"battery": 92.0, "temperature": 30.8, "humidity": 50.5, "activity": 73.0}, 0},
		{"am307 stops at a channel it has not, like the vendor decoder", "am307",
			"01755c 056a4900 03673401", want{"battery": 92.0}, 1},
		{"unknown channel after data", "em300-th", "017564 9999 0000", want{"battery": 100.0}, 1},
		{"unknown model falls back to the generic table", "xx999", "017564",
			want{"battery": 100.0}, 1},
		{"ws302 class value past the list adds no key", "ws302", "017564 FF0F07",
			want{"battery": 100.0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, tc.model, 85, tc.hex)
			codectest.CheckOutput(t, out, err, tc.want, tc.warns)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, model string
		port        uint8
		hex         string
		want        error
	}{
		{"fPort 0", "", 0, "017564", codec.ErrUnknownFPort},
		{"empty", "", 85, "", codec.ErrTruncated},
		{"header cut short", "", 85, "017564 03", codec.ErrTruncated},
		{"value missing", "", 85, "0175", codec.ErrTruncated},
		{"temperature cut short", "em300-th", 85, "017564 036734", codec.ErrTruncated},
		{"history cut short", "em300-th", 85, "20CE 9E74", codec.ErrTruncated},
		{"unknown channel first", "", 85, "9999 00", codec.ErrInvalid},
		{"only a pair that differs between models", "", 85, "030001", codec.ErrInvalid},
		{"channel of another model first", "ws301", 85, "077DE704", codec.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeHex(t, tc.model, tc.port, tc.hex)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got err %v data %v", tc.want, err, out.Data)
			}
		})
	}
}

// TestTables checks the table construction: every model has the device information channels
// unless it replaces them, and the generic table marks exactly the known conflicts.
func TestTables(t *testing.T) {
	for _, m := range []string{"am103", "am307", "em300-th", "em500-co2", "ws301", "vs121"} {
		if !slices.Contains(Models(), m) {
			t.Errorf("Models() lacks %s", m)
		}
	}
	if got := modelTables["em310-udl"][0xFF0A]; got == nil || got.name != "firmware_version" {
		t.Errorf("em310-udl FF0A = %v, want the device information channel", got)
	}
	if got := modelTables["vs121"][0xFF09]; got == nil || got.name != "vs121.hardware_version" {
		t.Errorf("vs121 FF09 = %v, want its own channel", got)
	}

	conflicts := map[uint16]int{0x0300: 1, 0x0400: 1, 0x0500: 1, 0x20CE: -1}
	for k, c := range genericTable {
		size, isConflict := conflicts[k]
		if isConflict != (c.decode == nil) {
			t.Errorf("generic 0x%04x: conflict %v, decoder %v", k, isConflict, c.decode != nil)
		}
		if isConflict && c.size != size {
			t.Errorf("generic 0x%04x: size %d, want %d", k, c.size, size)
		}
	}
}
