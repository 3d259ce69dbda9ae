package decentlab

import "math"

// Shared formulas of the DL- family, each in the vendor's order of operations.

// sht3xTemp and sht3xHum convert a Sensirion SHT3x reading (words 0 and 1).
func sht3xTemp(x, _ []float64) float64 { return 175*x[0]/65535 - 45 }
func sht3xHum(x, _ []float64) float64  { return 100 * x[1] / 65535 }

// sht2xTemp and sht2xHum convert a Sensirion SHT2x / SHT21 reading (words 0 and 1).
func sht2xTemp(x, _ []float64) float64 { return 175.72*x[0]/65536 - 46.85 }
func sht2xHum(x, _ []float64) float64  { return 125*x[1]/65536 - 6 }

// adc24 is the signed ratio of a 24-bit ADC reading sent as two words, low word first:
// (x0 + x1·65536) / 2^23 − 1.
func adc24(x []float64) float64 { return (x[0]+x[1]*65536)/8388608 - 1 }

// uint32LowFirst is a 32-bit counter sent as two words, low word first.
func uint32LowFirst(lo, hi int) formula {
	return func(x, _ []float64) float64 { return x[lo] + x[hi]*65536 }
}

// trs1xPermittivity is the Topp-style polynomial the TRS11/TRS12 decoders apply to word 0.
func trs1xPermittivity(x, _ []float64) float64 {
	r := x[0] / 10
	return math.Pow(0.000000002887*math.Pow(r, 3)-0.0000208*math.Pow(r, 2)+0.05276*r-43.39, 2)
}

// trs1xVWC is the volumetric water content of the TRS11/TRS12 decoders.
func trs1xVWC(x, _ []float64) float64 { return x[0]/10*0.0003879 - 0.6956 }
