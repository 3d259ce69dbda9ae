// Elsys ERS family uplink decoder, written for Vindel's tests from the type table of the
// Elsys "Sensor payload" description: a sequence of records, each a type byte followed by a
// fixed-size big-endian value. Only the types the ERS indoor sensors send are handled.
var TYPES = {
  0x01: { size: 2, read: function (b, o) { o.temperature = s16(b, 0) / 10; } },
  0x02: { size: 1, read: function (b, o) { o.humidity = b[0]; } },
  0x04: { size: 2, read: function (b, o) { o.light = u16(b, 0); } },
  0x05: { size: 1, read: function (b, o) { o.motion = b[0]; } },
  0x06: { size: 2, read: function (b, o) { o.co2 = u16(b, 0); } },
  0x07: { size: 2, read: function (b, o) { o.vdd = u16(b, 0); } },
  0x14: { size: 4, read: function (b, o) { o.pressure = u32(b, 0) / 1000; } },
  0x15: { size: 2, read: function (b, o) { o.soundPeak = b[0]; o.soundAvg = b[1]; } },
  0x1c: { size: 2, read: function (b, o) { o.tvoc = u16(b, 0); } },
  0x3d: { size: 4, read: function () {} }
};

function u16(b, i) { return (b[i] << 8) | b[i + 1]; }
function s16(b, i) { var v = u16(b, i); return v > 0x7fff ? v - 0x10000 : v; }
function u32(b, i) { return u16(b, i) * 0x10000 + u16(b, i + 2); }

function decodeUplink(input) {
  var bytes = input.bytes, data = {}, i = 0;
  while (i < bytes.length) {
    var t = TYPES[bytes[i]];
    if (!t) {
      return { errors: ['unknown record type 0x' + bytes[i].toString(16) + ' at ' + i] };
    }
    if (i + 1 + t.size > bytes.length) {
      return { errors: ['record type 0x' + bytes[i].toString(16) + ' truncated'] };
    }
    t.read(bytes.slice(i + 1, i + 1 + t.size), data);
    i += 1 + t.size;
  }
  return { data: data };
}
