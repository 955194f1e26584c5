import Foundation
import GRDB
import TestSupport
import Testing
import Tracking

@testable import TensorBoard

/// The bytes nnlab writes, against the standard's check values and the records in TensorBoard's
/// own tests (tensorboard/data/server/tf_record.rs, masked_crc.rs).
@Suite struct EventFileTests {
  @Test func crc32cGivesTheStandardCheckValues() {
    // The catalogue's check value (CRC-32/ISCSI) and RFC 3720, section B.4.
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum((0..<32).map(UInt8.init)) == 0x46DD_794E)
    #expect(CRC32C.checksum((0..<32).reversed().map(UInt8.init)) == 0x113F_DB5C)
    #expect(CRC32C.checksum([]) == 0)
    // Masked as TensorBoard's reader checks it.
    #expect(CRC32C.masked([0x1A, 0x11] + Array("CRC test, one two".utf8)) == 0x5794_D08A)
  }

  @Test func theFirstRecordIsByteForByteTensorBoardsOwn() {
    // wall_time 1569456482.0 … as the record in tf_record.rs holds it.
    let file = EventFile(wallTime: Double(bitPattern: 0x41D7_D699_3880_0000))
    let expected: [UInt8] =
      [0x18, 0, 0, 0, 0, 0, 0, 0, 0xA3, 0x7F, 0x4B, 0x22]
      + [0x09, 0x00, 0x00, 0x80, 0x38, 0x99, 0xD6, 0xD7, 0x41, 0x1A, 0x0D]
      + Array("brain.Event:2".utf8) + [0x12, 0x4B, 0x36, 0xAB]
    #expect(file.bytes == expected)
  }

  @Test func fieldsAreEncodedAsTheWireFormatSays() {
    // The language guide's example: field 1 = 150 is 08 96 01.
    #expect(ProtocolBuffer { $0.varint(1, 150) }.bytes == [0x08, 0x96, 0x01])
    // A negative int64: ten bytes.
    #expect(
      ProtocolBuffer { $0.varint(2, -1) }.bytes == [0x10] + Array(repeating: 0xFF, count: 9) + [
        0x01
      ])
    #expect(ProtocolBuffer { $0.float(2, 1) }.bytes == [0x15, 0x00, 0x00, 0x80, 0x3F])
    #expect(ProtocolBuffer { $0.string(1, "λ") }.bytes == [0x0A, 0x02, 0xCE, 0xBB])
    #expect(
      ProtocolBuffer { $0.packed(6, [1, 2]) }.bytes
        == [0x32, 0x10, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x00, 0x40])
  }

  @Test func aHistogramCountsEveryValueOnce() {
    var generator = SystemRandomNumberGenerator()
    for count in [1, 2, 29, 30, 31, 1000] {
      let values = (0..<count).map { _ in Double.random(in: -3...3, using: &generator) }
      let fields = HistogramFields(Message.histogram("w", values))
      #expect(fields.counts.reduce(0, +) == Double(count))
      #expect(fields.num == Double(count))
      #expect(fields.limits.last == values.max())
      #expect(fields.limits == fields.limits.sorted())
      // Each bucket holds the values from the limit before it (the least, for the first) up
      // to its own.
      for (index, limit) in fields.limits.enumerated() {
        let from = index == 0 ? -Double.infinity : fields.limits[index - 1]
        #expect(fields.counts[index] == Double(values.count { $0 > from && $0 <= limit }))
      }
    }
  }

  @Test func aHistogramOfWeightsThatOverflowOrAreNotFiniteCountsTheFiniteOnes() {
    let fields = HistogramFields(
      Message.histogram("w", [-1e308, 0, 1e308, .infinity, .nan, -.infinity, 5, 5]))
    #expect(fields.num == 5 && fields.counts.reduce(0, +) == 5)
    #expect(fields.limits.last == 1e308 && fields.limits == fields.limits.sorted())
    #expect(fields.counts.first == 1 && fields.counts.last == 1)
    let equal = HistogramFields(Message.histogram("w", [2, 2, 2]))
    #expect(equal.counts == [3] && equal.limits == [2])
  }

  @Test func aRunsFolderIsItsIdAndItsNameMadeSafe() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try RunDatabase.open(path: folder.appendingPathComponent("n.sqlite").path)
    func named(_ name: String?) throws -> String {
      TensorBoardExport.folderName(of: try store.createRun(.example(name: name)))
    }
    #expect(try named(nil) == "run-1")
    #expect(try named("") == "run-2")
    #expect(try named("a/b\\c λ 🙂") == "run-3-a_b_c λ 🙂")
    // A control character, as another program may have stored it (nnlab refuses them).
    let stored = try named("stored")
    try DatabaseQueue(path: folder.appendingPathComponent("n.sqlite").path).write {
      try $0.execute(sql: "UPDATE runs SET name = 'tab' || char(9) || 'here' WHERE id = 4")
    }
    #expect(stored == "run-4-stored")
    #expect(TensorBoardExport.folderName(of: try store.run(4)) == "run-4-tab_here")
    let long = try named(String(repeating: "é", count: 300))
    #expect(long.utf8.count <= 206 && long.hasSuffix("éé"))
  }
}

/// The fields of a histogram summary value, read back by hand.
private struct HistogramFields {
  var num = 0.0
  var limits: [Double] = []
  var counts: [Double] = []

  init(_ value: ProtocolBuffer) {
    // Value: 0A len "w" 2A len HistogramProto.
    let bytes = value.bytes
    var index = 2 + Int(bytes[1]) + 1
    index += Self.varintLength(bytes, at: index)
    while index < bytes.count {
      let key = bytes[index]
      index += 1
      if key & 7 == 1 {
        let double = Self.double(bytes, at: index)
        if key >> 3 == 3 { num = double }
        index += 8
      } else {
        let length = Self.varint(bytes, at: index)
        index += Self.varintLength(bytes, at: index)
        let doubles = stride(from: index, to: index + length, by: 8).map {
          Self.double(bytes, at: $0)
        }
        if key >> 3 == 6 { limits = doubles } else { counts = doubles }
        index += length
      }
    }
  }

  static func double(_ bytes: [UInt8], at index: Int) -> Double {
    Double(bitPattern: (0..<8).reduce(0) { $0 | UInt64(bytes[index + $1]) << (8 * $1) })
  }

  static func varint(_ bytes: [UInt8], at index: Int) -> Int {
    var value = 0
    var shift = 0
    var position = index
    while true {
      value |= Int(bytes[position] & 0x7F) << shift
      if bytes[position] & 0x80 == 0 { return value }
      shift += 7
      position += 1
    }
  }

  static func varintLength(_ bytes: [UInt8], at index: Int) -> Int {
    var length = 1
    while bytes[index + length - 1] & 0x80 != 0 { length += 1 }
    return length
  }
}
