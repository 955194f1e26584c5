import Foundation
import Testing

@testable import Datasets

/// CSV files as users have them, and the errors for the ones that are wrong.
struct CSVDatasetTests {
  static func load(_ text: String, _ columns: CSVColumns = CSVColumns()) throws -> Dataset {
    try CSVDataset.parse(Data(text.utf8), name: "data.csv", columns: columns)
  }

  @Test func readsFeaturesAndOneHotLabels() throws {
    let dataset = try Self.load("a,b,label\n1,2,cat\n3,4.5,dog\n-1,0,cat\n")
    #expect(dataset.featureNames == ["a", "b"])
    #expect(dataset.outputs == .classes(["cat", "dog"]))
    #expect(dataset.inputs.rowArrays == [[1, 2], [3, 4.5], [-1, 0]])
    #expect(dataset.targets.rowArrays == [[1, 0], [0, 1], [1, 0]])
  }

  @Test func numericLabelsSortNumericallyAndNeedNotBeContiguous() throws {
    let dataset = try Self.load("x,y\n0.5,10\n0.1,2\n0.2,7\n0.3,2\n")
    #expect(dataset.outputs == .classes(["2", "7", "10"]))
    #expect(dataset.targets.rowArrays == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
  }

  /// Spaces around a number or a label are not part of it.
  @Test func fieldsAreTrimmed() throws {
    let dataset = try Self.load("a, b ,label\n 1 ,2.5 , cat\n3,\t4 ,dog\n")
    #expect(dataset.featureNames == ["a", "b"])
    #expect(dataset.inputs.rowArrays == [[1, 2.5], [3, 4]])
    #expect(dataset.outputs == .classes(["cat", "dog"]))
  }

  @Test func quotedFieldsAndCRLFLineEnds() throws {
    let dataset = try Self.load("\"first, feature\",second,\"kind\"\r\n1,2,\"a, b\"\r\n3,4,c\r\n")
    #expect(dataset.featureNames == ["first, feature", "second"])
    #expect(dataset.outputs == .classes(["a, b", "c"]))
    #expect(dataset.inputs.rowArrays == [[1, 2], [3, 4]])
  }

  @Test func chosenLabelTargetsAndFeatures() throws {
    let text = "id,x,y,t1,t2,kind\n1,0.5,1,0.25,1,a\n2,1.5,2,0,0.75,b\n"
    let labelled = try Self.load(text, CSVColumns(label: "kind", features: ["x", "y"]))
    #expect(labelled.featureNames == ["x", "y"] && labelled.outputs == .classes(["a", "b"]))
    let targets = try Self.load(text, CSVColumns(targets: ["t1", "t2"], features: ["x"]))
    #expect(targets.outputs == .targets(["t1", "t2"]))
    #expect(targets.targets.rowArrays == [[0.25, 1], [0, 0.75]])
    #expect(targets.inputs.rowArrays == [[0.5], [1.5]])
  }

  @Test(arguments: [
    (
      "a,b,label\n1,2,x\n3,x\n", CSVColumns(),
      "data.csv, row 2 of data: 2 fields, but the header has 3"
    ),
    (
      "a,b,label\n1,two,x\n", CSVColumns(),
      "data.csv, row 1 of data, column 'b': 'two' is not a number"
    ),
    ("", CSVColumns(), "data.csv is empty"),
    ("a,b,label\n", CSVColumns(), "data.csv has a header but no rows of data"),
    ("a,b,label\n1,nan,x\n", CSVColumns(), "column 'b': nan is not a finite number"),
    ("a,b,label\ninf,1,x\n", CSVColumns(), "column 'a': inf is not a finite number"),
    (
      "a,b,label\n1,2,x\n", CSVColumns(label: "kind"),
      "data.csv has no label column 'kind' (its columns: 'a', 'b', 'label')"
    ),
    ("a,t\n1,1.5\n", CSVColumns(targets: ["t"]), "target column 't': 1.5 is outside [0, 1]"),
    ("a,a,label\n1,2,x\n", CSVColumns(), "the column 'a' appears twice"),
  ])
  func badFilesAreOneLineErrors(text: String, columns: CSVColumns, message: String) {
    do {
      _ = try Self.load(text, columns)
      Issue.record("accepted: \(text)")
    } catch let error as DatasetError {
      #expect(error.description.contains(message), "\(error)")
      #expect(!error.description.contains("\n"))
    } catch {
      Issue.record("\(error)")
    }
  }

  /// A header of 100,000 columns: an error names five of them and counts the rest.
  @Test func anErrorListsAHandfulOfAWideHeader() throws {
    let names = (0..<100_000).map { "c\($0)" }
    let text = names.joined(separator: ",") + "\n" + names.map { _ in "1" }.joined(separator: ",")
    #expect(
      throws: DatasetError.invalid(
        "data.csv has no label column 'kind' (its columns: 'c0', 'c1', 'c2', 'c3', 'c4' … and"
          + " 99,995 more)")
    ) { try Self.load(text, CSVColumns(label: "kind")) }
    let features = try Self.load(text, CSVColumns(targets: [], features: ["c99998", "c5"]))
    #expect(features.featureNames == ["c99998", "c5"] && features.inputs.rowArrays == [[1, 1]])
  }

  /// Column names and fields are shown with their control characters escaped, never raw.
  @Test(arguments: [
    ("a\u{1B}[31m,b,label\n1,2,x\n", CSVColumns(label: "k\u{7}"), "no label column 'k\\u{7}'"),
    ("a\u{1B}[31m,b,label\n1,2,x\n", CSVColumns(label: "k"), "'a\\u{1B}[31m', 'b', 'label'"),
    ("a\u{202E},a\u{202E},y\n1,2,x\n", CSVColumns(), "the column 'a\\u{202E}' appears twice"),
    ("a\u{9B}b,y\nx\u{1B},1\n", CSVColumns(), "column 'a\\u{9B}b': 'x\\u{1B}' is not a number"),
  ])
  func controlCharactersAreEscaped(text: String, columns: CSVColumns, message: String) {
    do {
      _ = try Self.load(text, columns)
      Issue.record("accepted: \(text)")
    } catch {
      let description = "\(error)"
      #expect(description.contains(message), "\(description)")
      #expect(
        !description.unicodeScalars.contains {
          $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}"
        })
    }
  }

  @Test func aMissingFileIsNamed() {
    #expect(throws: DatasetError.missingFile("/nonexistent/data.csv: no such file")) {
      try CSVDataset.load(path: "/nonexistent/data.csv", columns: CSVColumns())
    }
  }

  static let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "shared/data/digits.csv")

  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: digits.path), "../shared/data/digits.csv is absent"
    ))
  func readsTheDigitsData() throws {
    let dataset = try CSVDataset.load(path: Self.digits.path, columns: CSVColumns(label: "digit"))
    #expect(dataset.count == 1797)
    #expect(dataset.featureNames.count == 64 && dataset.featureNames.first == "p0")
    #expect(dataset.outputs == .classes((0...9).map(String.init)))
    #expect(dataset.inputs.elements.allSatisfy { (0...16).contains($0) })
    #expect(dataset.sha256.count == 64)
  }
}

/// The split of plain text against CSV.swift's reading of the same text.
struct CSVRowsTests {
  static func rows(_ text: String, plain: Bool) throws -> [[String]] {
    var rows: [[String]] = []
    let collect: (CSVRow) -> Void = { row in rows.append((0..<row.count).map(row.text)) }
    try plain
      ? CSVRows.read(text, name: "t.csv", collect)
      : CSVRows.readQuoted(text, name: "t.csv", collect)
    return rows
  }

  @Test func plainTextSplitsAsCSVSwiftReadsIt() throws {
    // Texts of these pieces have every shape a plain file can: blank lines, CRLF, empty and
    // spaced fields, no final line break, text that is not ASCII.
    let pieces = ["1", "-2.5", "e3", ",", ",", "\n", "\r\n", " ", "a", "é", "\n\n", ""]
    var state: UInt64 = 11
    func next(below bound: Int) -> Int {  // a linear congruential generator, seeded
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    for _ in 0..<2_000 {
      let text = (0..<next(below: 40)).map { _ in pieces[next(below: pieces.count)] }.joined()
      #expect(CSVRows.isPlain(text))
      #expect(
        try Self.rows(text, plain: true) == Self.rows(text, plain: false),
        "\(text.debugDescription)")
    }
  }

  /// A plain row's number, read in place, is what `Double(_:)` reads in the field's text, bit
  /// for bit, when that is finite, and nil when it is not: in the middle of a line, at its end,
  /// before `\r\n`, and as the text's last field with no line break after it.
  @Test func numbersAreReadInPlaceAsDoubleReadsTheirText() throws {
    var fields = [
      "0", "-0", "1.5", "+.5", ".", "-", "1e", "1e5x", " 1", "1 ", "\t2", "", "nan", "inf",
      "-infinity", "snan", "1e400", "1e-400", "-1e-400", "4.9e-324", "2.2250738585072011e-308",
      "0x1p-3",
      "0X1P3", "1_000", "１", "1.5\u{A0}", "00012", "9007199254740993", "1.7976931348623159e308",
      "e3", "é", "٣",
    ]
    var state: UInt64 = 7
    for _ in 0..<300 {  // doubles of every magnitude, written as NumPy and Swift write them
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let value = Double(bitPattern: state)
      fields += [String(format: "%.17g", value), "\(value)", String(format: "%.3e", value)]
    }
    var checked = 0
    for lineEnd in ["\n", "\r\n"] {
      for last in ["", lineEnd] {
        let text = fields.map { "\($0),\($0)" }.joined(separator: lineEnd) + last
        #expect(CSVRows.isPlain(text))
        try CSVRows.read(text, name: "t.csv") { row in
          for i in 0..<row.count {
            let expected = Double(row.text(i)).flatMap { $0.isFinite ? $0 : nil }
            #expect(
              row.finiteNumber(i)?.bitPattern == expected?.bitPattern,
              "\(row.text(i).debugDescription)")
            checked += 1
          }
        }
      }
    }
    #expect(checked == 4 * 2 * fields.count)
  }

  /// The last field of bytes that are not followed by a NUL (or by a line break) is read
  /// from a copy: "1,2" cut from "1,23456" has a 2 there, not 23456.
  @Test func theLastFieldIsReadOnlyToTheEndOfTheBytes() throws {
    var numbers: [Double?] = []
    try Array("a,b\n1,23456".utf8).withUnsafeBufferPointer { all in
      try CSVRows.split(UnsafeBufferPointer(rebasing: all[0..<7])) { row in
        numbers += (0..<row.count).map(row.finiteNumber)
      }
    }
    #expect(numbers == [nil, nil, 1, 2])
  }

  @Test func quotesAndLoneCarriageReturnsGoToCSVSwift() {
    for text in ["a,\"b,c\"\n1,2", "a,b\r1,2", "a,b\r", "a\r\r\n"] {
      #expect(!CSVRows.isPlain(text), "\(text.debugDescription)")
    }
    #expect(CSVRows.isPlain("a,b\r\n1,2\r\n"))
  }
}
