// Package decentlab decodes the uplinks of Decentlab DL- sensor devices into the object
// Decentlab's own decoders return: "protocol_version", "device_id", and for each value
// sent an object {displayName, unit, value}.
//
// All models share one frame (protocol version 2): a version byte, a 16-bit device ID, a
// 16-bit sensor-present bitmap, then the 16-bit big-endian words of each present sensor.
// A model is data: a table of sensors, each a word count and the values computed from
// those words (see model.go). Formulas keep the vendor's order of float operations, so
// results match the vendor's to the bit.
//
// Covered models, 58, each checked against at least one example of the vendor decoder
// (../../../testdata/ttn-vectors.jsonl and testdata/vendor-examples.jsonl):
//
//   - air and climate: DL-SHT35, DL-RHC, DL-IAM, DL-PM, DL-LP8P, DL-WRM, DL-ITST, DL-PAR,
//     DL-PYR, DL-ALB;
//   - weather and road: DL-ATM22, DL-ATM41, DL-ATM41G2, DL-CWS, DL-CWS2, DL-DS18;
//   - water: DL-CTD10, DL-MBX, DL-RAD, DL-LID, DL-PR21, DL-PR26, DL-PR36, DL-PR36CTD,
//     DL-TBRG, DL-OPTOD, DL-NTU, DL-MES5, DL-PHEHT;
//   - soil: DL-5TM, DL-TRS11, DL-TRS12, DL-TRS21, DL-TP, DL-SDD, DL-SMTP;
//   - plant: DL-GMM, DL-IFD, DL-ISD, DL-ILT, DL-LWS, DL-ZN1, DL-ZN2, DL-ISF;
//   - analog input, strain and weight: DL-DLR2-002, -003, -004, -005, -006, -008, -009,
//     -010, -011, -012, DL-LPW, DL-BLG, DL-KL66, DL-DWS.
//
// Sources: the per-model decoders Decentlab publishes in TheThingsNetwork/lorawan-devices
// (vendor/decentlab/dl-*.js, each model's source field names the file and, where the
// vectors follow an older version, the commit) and the uplink examples of the matching
// dl-*-codec.yaml files. Where the vector and the current decoder disagree the vector wins:
// DL-PM's number concentrations carry no unit, DL-MBX's sample count has a null unit.
//
// Models with device-specific constants (DL-PR21/26 Pmin and Pmax, DL-PR36 kp, DL-PR36CTD
// kp and kec, DL-TBRG resolution, DL-DLR2-004/-008 R, DL-KL66 f0 and k, DL-DWS f02, s and
// m0) take them from the device variables of the same name, with the vendor's defaults.
//
// A value that is not finite (a zero divisor word) is written as null, as JSON.stringify
// writes the vendor's NaN, with a warning. The fPort is ignored, as by the vendor.
package decentlab
