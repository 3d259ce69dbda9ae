// Browan Tabs uplink decoder (TBMS100 motion on FPort 102, TBHV110 IAQ on FPort 103),
// written for Vindel's tests from the Tabs payload descriptions: byte 0 status flags,
// byte 1 battery (low nibble, (25 + n) / 10 V), byte 2 board temperature (7 bits, -32 °C),
// then per-sensor little-endian fields.
function le(b, i, n) {
  var v = 0;
  for (var k = n - 1; k >= 0; k--) { v = v * 256 + b[i + k]; }
  return v;
}

function header(b) {
  return {
    status: b[0] & 0x01,
    battery: (25 + (b[1] & 0x0f)) / 10,
    temperatureBoard: (b[2] & 0x7f) - 32
  };
}

var PORTS = {
  102: { size: 8, read: function (b, d) {
    d.time = le(b, 3, 2);
    d.count = le(b, 5, 3);
  } },
  103: { size: 11, read: function (b, d) {
    d.tempHumidChanged = (b[0] >> 4) & 0x01;
    d.iaqChanged = (b[0] >> 5) & 0x01;
    d.humidity = b[3] & 0x7f;
    d.eco2 = le(b, 4, 2);
    d.voc = le(b, 6, 2);
    d.iaq = le(b, 8, 2);
    d.temperature = (b[10] & 0x7f) - 32;
  } }
};

function decodeUplink(input) {
  var p = PORTS[input.fPort];
  if (!p) { return { errors: ['unknown FPort'] }; }
  if (input.bytes.length < p.size) {
    return { errors: ['payload of ' + input.bytes.length + ' bytes, want ' + p.size] };
  }
  var d = header(input.bytes);
  p.read(input.bytes, d);
  var w = input.bytes.length > p.size ? ['ignored trailing bytes'] : undefined;
  return { data: d, warnings: w };
}
