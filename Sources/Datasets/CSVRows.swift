import CSV
import Foundation

/// The rows of CSV text, the header first, each as its fields.
///
/// Text without a double quote or a lone carriage return (any file of plain numbers) is split
/// here, on line breaks (`\n` or `\r\n`) and commas, and its numbers are read from the bytes
/// where they lie: CSV.swift reads character by character and took 1.6 s for a 40 MB file that
/// this split reads in a small fraction of that (bench/run.py). Text with quotes goes through
/// CSV.swift. The tests hold the split to CSV.swift's rows, and the numbers read in place to
/// `Double(_:)`'s.
enum CSVRows {
  /// Calls `body` with each row of `text`; a blank line is the one field "". (CSV.swift reads
  /// an unclosed quote to the end of the text as one field, which the caller finds has too few.)
  /// A row is valid only during the call that hands it over; for plain text, `body` runs in the
  /// C locale (see `split`).
  /// - Throws: what `body` throws, or `DatasetError.invalid` naming `name` for an error
  ///   CSV.swift reports.
  static func read(_ text: String, name: String, _ body: (CSVRow) throws -> Void) throws {
    if isPlain(text) {
      try withBytes(of: text) { try split($0, body) }
      return
    }
    try readQuoted(text, name: name, body)
  }

  /// Every row through CSV.swift, whatever the text holds.
  static func readQuoted(_ text: String, name: String, _ body: (CSVRow) throws -> Void)
    throws
  {
    let reader: CSVReader
    do {
      reader = try CSVReader(string: text, hasHeaderRow: false)
    } catch {
      throw DatasetError.invalid("\(name) is not valid CSV (\(error))")
    }
    while let row = reader.next() { try body(CSVRow(parsed: row)) }
    if let error = reader.error {
      throw DatasetError.invalid("\(name) is not valid CSV (\(error))")
    }
  }

  private static let quote = UInt8(ascii: "\"")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let lineFeed = UInt8(ascii: "\n")
  private static let comma = UInt8(ascii: ",")

  /// Whether `text` has no double quote, and no carriage return but before a line feed.
  static func isPlain(_ text: String) -> Bool {
    withBytes(of: text) { bytes in
      guard let base = bytes.baseAddress else { return true }
      guard memchr(base, Int32(quote), bytes.count) == nil else { return false }
      var from = 0
      while let found = memchr(base + from, Int32(carriageReturn), bytes.count - from) {
        let k = UnsafeRawPointer(base).distance(to: found)
        guard k + 1 < bytes.count, bytes[k + 1] == lineFeed else { return false }
        from = k + 1
      }
      return true
    }
  }

  /// The rows of plain text's UTF-8 `bytes`: lines split at `\n` (less a `\r` before it),
  /// fields at commas; in the C locale on this thread meanwhile, for `CSVRow.finiteNumber`.
  static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (CSVRow) throws -> Void) throws {
    let previousLocale = uselocale(cLocale)
    defer { uselocale(previousLocale) }
    var row = CSVRow(bytes: bytes)
    var (lineStart, fieldStart) = (0, 0)
    for k in 0...bytes.count where k == bytes.count || bytes[k] == lineFeed || bytes[k] == comma {
      if k < bytes.count && bytes[k] == comma {
        row.fields.append(fieldStart..<k)
        fieldStart = k + 1
        continue
      }
      guard k > lineStart || k < bytes.count else { break }  // no last line after a final \n
      let end = k > fieldStart && bytes[k - 1] == carriageReturn ? k - 1 : k
      row.fields.append(fieldStart..<end)
      try body(row)
      row.fields.removeAll(keepingCapacity: true)
      (lineStart, fieldStart) = (k + 1, k + 1)
    }
  }

  /// The C locale, whose decimal point is "." (`Double(_:)` reads numbers in it): made once
  /// and never freed.
  nonisolated(unsafe) private static let cLocale = newlocale(Int32(1 << LC_NUMERIC), "C", nil)

  /// `body` with the UTF-8 bytes of `text` in one buffer.
  private static func withBytes<R>(
    of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
  )
    rethrows -> R
  {
    if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return try Array(text.utf8).withUnsafeBufferPointer(body)
  }
}

/// One row of CSV text: the UTF-8 byte ranges of its fields in plain text, or the fields
/// CSV.swift read. Plain text's fields become text only when asked for; their numbers are
/// read in place.
struct CSVRow {
  /// The text's bytes, for plain text (empty for CSV.swift's rows).
  private let bytes: UnsafeBufferPointer<UInt8>
  /// Where each field is in `bytes`.
  fileprivate var fields: [Range<Int>] = []
  /// The fields CSV.swift read.
  private let parsed: [String]?

  fileprivate init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    self.parsed = nil
  }

  fileprivate init(parsed: [String]) {
    self.bytes = UnsafeBufferPointer(start: nil, count: 0)
    self.parsed = parsed
  }

  /// The number of fields.
  var count: Int { parsed?.count ?? fields.count }

  /// Whether the row is a blank line: one empty field.
  var isBlank: Bool { count == 1 && (parsed?[0].isEmpty ?? fields[0].isEmpty) }

  /// The text of field `i`.
  func text(_ i: Int) -> String {
    parsed?[i] ?? String(decoding: UnsafeBufferPointer(rebasing: bytes[fields[i]]), as: UTF8.self)
  }

  /// The number field `i` is, as `Double(text(i))` reads it, when that is finite; else nil
  /// (and nil for a field with a NUL byte, where `Double(_:)` reads up to the NUL). Plain
  /// text's field is read in place by `strtod` in the C locale, which is what `Double(_:)`
  /// calls (and, like it, refuses leading white space).
  func finiteNumber(_ i: Int) -> Double? {
    guard parsed == nil, let base = bytes.baseAddress else {
      return Double(text(i)).flatMap { $0.isFinite ? $0 : nil }
    }
    let field = fields[i]
    // strtod stops at the comma or line break after a field, but the text's last field
    // has none: it is read from a copy that ends in a NUL.
    guard !field.isEmpty, field.upperBound < bytes.count else {
      return field.isEmpty ? nil : Double(text(i)).flatMap { $0.isFinite ? $0 : nil }
    }
    let start = UnsafeRawPointer(base + field.lowerBound).assumingMemoryBound(to: CChar.self)
    let first = bytes[field.lowerBound]
    // Space, or tab to carriage return: white space strtod skips and Double(_:) refuses.
    guard first != 32 && !(9...13).contains(first) else { return nil }
    var end: UnsafeMutablePointer<CChar>?
    let value = strtod(start, &end)
    guard let end, UnsafePointer(end) - start == field.count, value.isFinite else { return nil }
    return value
  }
}
