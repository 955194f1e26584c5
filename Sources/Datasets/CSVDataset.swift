import Backprop
import Foundation
import PlainText

/// Which columns of a CSV file are what.
public struct CSVColumns: Codable, Sendable, Equatable {
  /// The column of class labels (one-hot encoded); nil for the last column, unless `targets`.
  public var label: String?
  /// Numeric target columns with values in [0, 1], instead of a label column; empty for
  /// features only (data to predict on).
  public var targets: [String]?
  /// The feature columns; nil for every column that is not the label or a target.
  public var features: [String]?

  public init(label: String? = nil, targets: [String]? = nil, features: [String]? = nil) {
    self.label = label
    self.targets = targets
    self.features = features
  }
}

/// CSV files: a header row, then one example per row; numeric features; class labels (any text,
/// sorted numerically when all are numbers) or numeric targets in [0, 1]. Parsed by CSV.swift,
/// so quoted fields and CRLF line ends work.
public enum CSVDataset {
  /// Loads the file at `path`. With `classes`, the labels must be among them and are encoded
  /// in their order (data for a model trained on those classes).
  /// - Throws: `DatasetError` naming the file, and the line and column where there is one.
  public static func load(path: String, columns: CSVColumns, classes: [String]? = nil) throws
    -> Dataset
  {
    try parse(FileContents.read(path), name: path, columns: columns, classes: classes)
  }

  /// Parses CSV bytes; `name` names them in errors and becomes the dataset's name.
  public static func parse(
    _ data: consuming Data, name: String, columns: CSVColumns, classes: [String]? = nil
  ) throws -> Dataset {
    let sha256 = Dataset.sha256(of: data)
    guard let text = String(data: data, encoding: .utf8) else {
      throw DatasetError.invalid("\(name) is not UTF-8 text")
    }
    _ = consume data  // the bytes are the text now: not both held while the numbers are read
    // Each row's numbers are read as it comes, so the fields are never all held as text.
    var examples: Examples?
    try CSVRows.read(text, name: name) { row in
      if examples == nil {
        guard !row.isBlank else {
          throw DatasetError.invalid("\(name) is empty: a header row is needed")
        }
        examples = Examples(
          layout: try Layout(header: (0..<row.count).map(row.text), columns: columns, name: name))
      } else if !row.isBlank {
        try examples?.append(row, name: name)
      }
    }
    guard let examples else {
      throw DatasetError.invalid("\(name) is empty: a header row is needed")
    }
    guard examples.count > 0 else {
      throw DatasetError.invalid("\(name) has a header but no rows of data")
    }
    return try examples.dataset(name: name, sha256: sha256, classes: classes)
  }

  /// Where the features and outputs are in the header.
  private struct Layout {
    let features: [Int]
    let label: Int?
    let targets: [Int]
    let header: [String]

    /// - Throws: `DatasetError.invalid` for a blank or repeated column name, a column named that
    ///   the header lacks, or a column that is both a feature and an output. Linear in the
    ///   number of columns: a header may have 100,000.
    init(header: [String], columns: CSVColumns, name: String) throws {
      let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
      var positions: [String: Int] = [:]
      positions.reserveCapacity(names.count)
      for (position, column) in names.enumerated() {
        guard !column.isEmpty else {
          throw DatasetError.invalid("\(name): column \(position + 1) of the header has no name")
        }
        guard positions.updateValue(position, forKey: column) == nil else {
          throw DatasetError.invalid(
            "\(name): the column '\(PlainText.escaped(column))' appears twice in the header")
        }
      }
      for (role, given) in [("feature", columns.features), ("target", columns.targets)] {
        if let given, let repeated = Self.firstRepeated(given) {
          throw DatasetError.invalid(
            "\(name): the \(role) column '\(PlainText.escaped(repeated))' is named twice")
        }
      }
      func index(_ column: String, _ role: String) throws -> Int {
        guard let index = positions[column] else {
          throw DatasetError.invalid(
            "\(name) has no \(role) column '\(PlainText.escaped(column))' (its columns: \(PlainText.list(names)))"
          )
        }
        return index
      }
      if let targets = columns.targets {
        guard columns.label == nil else {
          throw DatasetError.invalid("\(name): give a label column or target columns, not both")
        }
        self.targets = try targets.map { try index($0, "target") }
        self.label = nil
      } else {
        self.label = try columns.label.map { try index($0, "label") } ?? names.count - 1
        self.targets = []
      }
      let outputs = Set(targets + (label.map { [$0] } ?? []))
      self.features =
        try columns.features?.map { try index($0, "feature") }
        ?? names.indices.filter { !outputs.contains($0) }
      if let overlap = features.first(where: outputs.contains) {
        throw DatasetError.invalid(
          "\(name): the column '\(PlainText.escaped(names[overlap]))' cannot be both a feature and an output"
        )
      }
      guard !features.isEmpty else { throw DatasetError.invalid("\(name) has no feature columns") }
      self.header = names
    }

    /// The first name that `names` holds twice.
    private static func firstRepeated(_ names: [String]) -> String? {
      var seen = Set<String>()
      return names.first { !seen.insert($0).inserted }
    }

    /// The number in field `column` of `fields`, row `row` of data, or why it is not one.
    func number(in fields: CSVRow, column: Int, row: Int, name: String) throws -> Double {
      // Most fields are bare numbers, read where they are without trimming first.
      if let value = fields.finiteNumber(column) { return value }
      let text = fields.text(column).trimmingCharacters(in: .whitespaces)
      guard let value = Double(text) else {
        throw DatasetError.invalid(
          "\(name), row \(row) of data, column '\(PlainText.escaped(header[column]))': '\(PlainText.escaped(text))' is not a number"
        )
      }
      guard value.isFinite else {
        throw DatasetError.invalid(
          "\(name), row \(row) of data, column '\(PlainText.escaped(header[column]))': \(text) is not a finite number"
        )
      }
      return value
    }

    /// The distinct labels, numerically sorted when all are numbers, else in text order.
    static func sortedClasses(_ labels: [String]) -> [String] {
      let distinct = Set(labels).map { (label: $0, number: Double($0)) }
      guard distinct.allSatisfy({ $0.number != nil }) else { return distinct.map(\.label).sorted() }
      return distinct.sorted { ($0.number ?? 0, $0.label) < ($1.number ?? 0, $1.label) }.map(
        \.label)
    }
  }

  /// The examples read so far: their features as numbers, their labels (or targets).
  private struct Examples {
    let layout: Layout
    private(set) var count = 0
    private var inputs: [Double] = []
    private var labels: [String] = []
    private var targets: [Double] = []

    init(layout: Layout) { self.layout = layout }

    mutating func append(_ row: CSVRow, name: String) throws {
      guard row.count == layout.header.count else {
        throw DatasetError.invalid(
          "\(name), row \(count + 1) of data: \(row.count) fields, but the header has \(layout.header.count)"
        )
      }
      count += 1
      for column in layout.features {
        inputs.append(try layout.number(in: row, column: column, row: count, name: name))
      }
      if let label = layout.label {
        let text = row.text(label).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
          throw DatasetError.invalid(
            "\(name), row \(count) of data, column '\(PlainText.escaped(layout.header[label]))': the label is empty"
          )
        }
        labels.append(String(text))
      }
      for column in layout.targets {
        let value = try layout.number(in: row, column: column, row: count, name: name)
        guard (0...1).contains(value) else {
          throw DatasetError.invalid(
            "\(name), row \(count) of data, target column '\(PlainText.escaped(layout.header[column]))': \(value) is outside [0, 1]"
          )
        }
        targets.append(value)
      }
    }

    /// The dataset; with `given` classes, the labels must be among them and are encoded in
    /// their order.
    func dataset(name: String, sha256: String, classes given: [String]?) throws -> Dataset {
      let header = layout.header
      let inputMatrix = try Matrix(rows: count, columns: layout.features.count, elements: inputs)
      let outputs: Outputs
      let targetMatrix: Matrix
      if let label = layout.label {
        var labels = labels
        let classes = given ?? Layout.sortedClasses(labels)
        if let given {
          // A label names a class when the texts match, or both are the same number ("0.0" is "0").
          for row in labels.indices where !given.contains(labels[row]) {
            guard let number = Double(labels[row]),
              let match = given.first(where: { Double($0) == number })
            else {
              throw DatasetError.invalid(
                "\(name), row \(row + 1) of data, column '\(PlainText.escaped(header[label]))': '\(PlainText.escaped(labels[row]))'"
                  + " is not one of the model's classes (\(PlainText.list(given)))")
            }
            labels[row] = match
          }
        } else if classes.count < 2 {
          throw DatasetError.invalid(
            "\(name): the label column '\(PlainText.escaped(header[label]))' has one class"
              + " ('\(PlainText.escaped(classes.first ?? ""))');"
              + " a classifier needs two or more")
        }
        let position = Dictionary(
          uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        outputs = .classes(classes)
        targetMatrix = Matrix(rows: count, columns: classes.count) { i, k in
          position[labels[i]] == k ? 1 : 0
        }
      } else {
        outputs = .targets(layout.targets.map { header[$0] })
        targetMatrix = try Matrix(rows: count, columns: layout.targets.count, elements: targets)
      }
      return Dataset(
        name: name, sha256: sha256, featureNames: layout.features.map { header[$0] },
        outputs: outputs, labelColumn: layout.label.map { header[$0] }, inputs: inputMatrix,
        targets: targetMatrix)
    }
  }
}
