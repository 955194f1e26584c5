/// A protocol-buffer message as it is encoded on the wire (proto3): each field a key, the field
/// number shifted left by 3 with the wire type in the low bits, as a varint, then the value.
/// Only the encodings TensorBoard's messages need; fields are written in the order given.
struct ProtocolBuffer: Sendable, Equatable {
  private(set) var bytes: [UInt8] = []

  /// A message made by `fill`.
  init(_ fill: (inout ProtocolBuffer) -> Void = { _ in }) {
    fill(&self)
  }

  /// Wire type 0: a varint (int32, int64, bool, enum); negative numbers take ten bytes.
  mutating func varint(_ field: Int, _ value: Int64) {
    key(field, wireType: 0)
    append(varint: UInt64(bitPattern: value))
  }

  /// Wire type 1: a double, 8 bytes little-endian.
  mutating func double(_ field: Int, _ value: Double) {
    key(field, wireType: 1)
    append(littleEndian: value.bitPattern)
  }

  /// Wire type 5: a float, 4 bytes little-endian.
  mutating func float(_ field: Int, _ value: Float) {
    key(field, wireType: 5)
    append(littleEndian: value.bitPattern)
  }

  /// Wire type 2: bytes, their length first.
  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    key(field, wireType: 2)
    append(varint: UInt64(value.count))
    bytes += value
  }

  /// A string, as its UTF-8 bytes.
  mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

  /// An embedded message.
  mutating func message(_ field: Int, _ value: ProtocolBuffer) { bytes(field, value.bytes) }

  /// A packed repeated double: one length-delimited field of 8 bytes each.
  mutating func packed(_ field: Int, _ values: [Double]) {
    var packed = ProtocolBuffer()
    for value in values { packed.append(littleEndian: value.bitPattern) }
    bytes(field, packed.bytes)
  }

  private mutating func key(_ field: Int, wireType: UInt64) {
    append(varint: UInt64(field) << 3 | wireType)
  }

  private mutating func append(varint value: UInt64) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(rest & 0x7F) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  private mutating func append(littleEndian value: some FixedWidthInteger) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }
}
