import Foundation

/// The layout of `weight_snapshots.data`: rows × cols IEEE-754 float64 values, little-endian,
/// row-major — what `numpy.frombuffer(data, '<f8').reshape(rows, cols)` reads.
public enum SnapshotEncoding {
  /// The bytes of `values`, 8 per value, least significant byte first.
  public static func data(from values: [Double]) -> Data {
    var data = Data(count: values.count * 8)
    data.withUnsafeMutableBytes { bytes in
      for (index, value) in values.enumerated() {
        bytes.storeBytes(
          of: value.bitPattern.littleEndian, toByteOffset: index * 8, as: UInt64.self)
      }
    }
    return data
  }

  /// The values of `data`, whose length must be a multiple of 8.
  public static func values(from data: Data) throws -> [Double] {
    guard data.count % 8 == 0 else {
      throw TrackingError.invalidValue(
        "a weight snapshot of \(data.count) bytes is not whole float64 values")
    }
    return data.withUnsafeBytes { bytes in
      (0..<data.count / 8).map { index in
        Double(
          bitPattern: UInt64(
            littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
      }
    }
  }
}
