import CSV

/// The rows of CSV text, the header first, each as its fields.
///
/// Text without a double quote or a lone carriage return (any file of plain numbers) is split
/// here, on line breaks (`\n` or `\r\n`) and commas: CSV.swift reads character by character and
/// took 1.6 s for a 40 MB file that this split reads in a small fraction of that
/// (bench/run.py). Text with quotes goes through CSV.swift. The tests hold both to the same rows.
enum CSVRows {
  /// Calls `body` with each row of `text`; a blank line is the one field "". (CSV.swift reads
  /// an unclosed quote to the end of the text as one field, which the caller finds has too few.)
  /// - Throws: what `body` throws, or `DatasetError.invalid` naming `name` for an error
  ///   CSV.swift reports.
  static func read(_ text: String, name: String, _ body: ([Substring]) throws -> Void) throws {
    if isPlain(text) {
      try split(text, body)
      return
    }
    try readQuoted(text, name: name, body)
  }

  /// Every row through CSV.swift, whatever the text holds.
  static func readQuoted(_ text: String, name: String, _ body: ([Substring]) throws -> Void)
    throws
  {
    let reader: CSVReader
    do {
      reader = try CSVReader(string: text, hasHeaderRow: false)
    } catch {
      throw DatasetError.invalid("\(name) is not valid CSV (\(error))")
    }
    while let row = reader.next() { try body(row.map { $0[...] }) }
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
      for k in bytes.indices where bytes[k] == quote || bytes[k] == carriageReturn {
        guard bytes[k] == carriageReturn, k + 1 < bytes.count, bytes[k + 1] == lineFeed else {
          return false
        }
      }
      return true
    }
  }

  /// The rows of plain text: lines split at `\n` (less a `\r` before it), fields at commas.
  private static func split(_ text: String, _ body: ([Substring]) throws -> Void) throws {
    let utf8 = text.utf8
    func field(_ range: Range<Int>) -> Substring {
      text[
        utf8.index(
          utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(
            utf8.startIndex, offsetBy: range.upperBound)]
    }
    try withBytes(of: text) { bytes in
      var row: [Substring] = []
      var (lineStart, fieldStart) = (0, 0)
      for k in 0...bytes.count where k == bytes.count || bytes[k] == lineFeed || bytes[k] == comma {
        if k < bytes.count && bytes[k] == comma {
          row.append(field(fieldStart..<k))
          fieldStart = k + 1
          continue
        }
        guard k > lineStart || k < bytes.count else { break }  // no last line after a final \n
        let end = k > fieldStart && bytes[k - 1] == carriageReturn ? k - 1 : k
        row.append(field(fieldStart..<end))
        try body(row)
        row.removeAll(keepingCapacity: true)
        (lineStart, fieldStart) = (k + 1, k + 1)
      }
    }
  }

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
