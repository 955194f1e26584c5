/// CRC-32C, Castagnoli's checksum (the reflected polynomial 0x82F63B78, initial value and final
/// XOR 0xFFFFFFFF: CRC-32/ISCSI), which TFRecord framing puts after each length and each
/// record, masked as TensorFlow masks it. None of the packages nnlab may use has it.
enum CRC32C {
  /// The checksum of each byte value, for a byte at a time.
  private static let table: [UInt32] = (0..<256).map { byte in
    (0..<8).reduce(UInt32(byte)) { crc, _ in crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
  }

  /// The CRC-32C of `bytes`: 0xE3069283 for the ASCII digits `123456789`.
  static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
    ~bytes.reduce(~UInt32(0)) { crc, byte in
      table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
    }
  }

  /// The checksum as TFRecord stores it: rotated right by 15 bits, plus 0xA282EAD8 (TensorFlow's
  /// `crc32c::Mask`, so that a checksum of data holding checksums is not trivial).
  static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
    let crc = checksum(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
