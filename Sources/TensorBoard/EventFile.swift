/// An event file as TensorBoard reads it: records back to back, each framed as TFRecord frames
/// it (tensorboard/summary/writer/record_writer.py): the data's length as 8 bytes
/// little-endian, the masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the
/// data (each CRC 4 bytes little-endian). Each record is an `Event`.
struct EventFile: Sendable {
  private(set) var bytes: [UInt8] = []

  /// A file whose first event gives its version, `brain.Event:2`: the version after which
  /// TensorBoard keeps an earlier step written after a later one rather than dropping data.
  init(wallTime: Double) {
    append(Message.event(wallTime: wallTime, step: 0) { $0.string(3, "brain.Event:2") })
  }

  /// `event` as the next record.
  mutating func append(_ event: ProtocolBuffer) {
    let length = withUnsafeBytes(of: UInt64(event.bytes.count).littleEndian, Array.init)
    bytes += length
    bytes += withUnsafeBytes(of: CRC32C.masked(length).littleEndian, Array.init)
    bytes += event.bytes
    bytes += withUnsafeBytes(of: CRC32C.masked(event.bytes).littleEndian, Array.init)
  }
}
