import Backprop
import Datasets
import Foundation
import Yams

extension SweepSpec {
  /// The course's λ list, `--lambda course`.
  public static let courseLambdas: [Double] = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]

  /// Reads a file's fields; a value may be one item, a list, or (for numbers) `log:a:b:n` or
  /// `course`. An unknown key is an error.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    let known = Set(CodingKeys.allCases.map(\.rawValue))
    if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
      throw TrainingError.invalidOption(
        "unknown key '\(unknown.stringValue)' (the keys: \(CodingKeys.allCases.map(\.rawValue).sorted().joined(separator: ", ")))"
      )
    }
    func text(_ key: CodingKeys) throws -> [String]? {
      let key = AnyKey(key.rawValue)
      guard container.contains(key) else { return nil }
      if let list = try? container.decode([String].self, forKey: key) { return list }
      if let list = try? container.decode([Double].self, forKey: key) {
        return list.map { String($0) }
      }
      if let number = try? container.decode(Double.self, forKey: key) { return [String(number)] }
      return [try container.decode(String.self, forKey: key)]
    }
    var spec = SweepSpec()
    try spec.set(from: FieldReader(text: text))
    self = spec
  }

  /// Sets every field that `text` has a value for: one or more texts per option, as the
  /// command line or a file gives them (`0,0.1`, `log:0.001:10:9`, `course`).
  /// - Throws: `TrainingError.invalidValue` naming the option and the value.
  public mutating func set(text: @escaping (CodingKeys) throws -> [String]?) throws {
    try set(from: FieldReader(text: text))
  }

  /// The numbers of one text: `0,0.1,1`, `log:a:b:n` (n log-spaced points from a to b), or
  /// `course` (the course's λ list).
  static func numbers(_ text: String, key: CodingKeys) throws -> [Double] {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed == "course" { return courseLambdas }
    if trimmed.hasPrefix("log:") {
      let parts = trimmed.dropFirst(4).split(separator: ":").map { Double($0) }
      guard parts.count == 3, let low = parts[0], let high = parts[1], let count = parts[2],
        low > 0, high > low, count >= 2, count.rounded() == count, count <= 1000
      else {
        throw TrainingError.invalid(
          key, ": '\(trimmed)' is not log:LOW:HIGH:N with 0 < LOW < HIGH and N from 2 to 1000")
      }
      let n = Int(count)
      let (first, last) = (log10(low), log10(high))
      return (0..<n).map { pow(10, first + Double($0) * (last - first) / Double(n - 1)) }
    }
    let items = trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    return try items.map { item in
      // Not finite is a number still: `TrainingPlan.validate` says what it must be.
      guard let value = Double(item) else {
        throw TrainingError.invalid(key, ": '\(item)' is not a number")
      }
      return value
    }
  }

  /// Reads a YAML (or JSON: YAML is a superset of it) sweep file.
  /// - Throws: `TrainingError.invalidOption` for an unknown key or a bad value, naming it.
  public init(yaml text: String, name: String) throws {
    do {
      self = try YAMLDecoder().decode(SweepSpec.self, from: text)
    } catch let error as TrainingError {
      throw TrainingError.invalidOption("\(name): \(error)")
    } catch DecodingError.dataCorrupted(let context) where context.underlyingError is TrainingError
    {
      throw TrainingError.invalidOption("\(name): \(context.underlyingError.map { "\($0)" } ?? "")")
    } catch {
      throw TrainingError.invalidInput(Self.describe(error, in: text, name: name))
    }
  }

  /// A YAML error in one line, `NAME:LINE:COLUMN: problem`, in YAML's words or, for a value of
  /// the wrong kind, with the key it is under; never the file's text.
  private static func describe(_ error: any Error, in text: String, name: String) -> String {
    func place(_ mark: Mark?) -> String { mark.map { "\(name):\($0.line):\($0.column)" } ?? name }
    switch error {
    case DecodingError.dataCorrupted(let context) where context.underlyingError != nil:
      return describe(context.underlyingError ?? error, in: text, name: name)
    case YamlError.scanner(let context, let problem, let mark, _),
      YamlError.parser(let context, let problem, let mark, _),
      YamlError.composer(let context, let problem, let mark, _):
      let opened = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
      return "\(place(mark)): \(problem)\(opened)"
    case YamlError.reader(let problem, _, _, _):
      return "\(name) is not YAML text: \(problem)"
    case YamlError.duplicatedKeysInMapping(let duplicates, let context):
      return "\(place(context.mark)): the key '\(duplicates.first ?? "")' appears twice"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      var node = try? Yams.compose(yaml: text)
      for key in context.codingPath {
        guard let index = key.intValue else {
          node = node?[key.stringValue]
          continue
        }
        node = node?.sequence.flatMap { $0.indices.contains(index) ? $0[index] : nil }
      }
      let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
      let found =
        switch node {
        case .mapping?: "a mapping"
        case .sequence?: "a list"
        case .scalar(let scalar)?: "'\(scalar.string)'"
        default: "nothing"
        }
      return
        "\(place(node?.mark)): \(path.joined(separator: ".")): expected a value or a list of values, found \(found)"
    default:
      return "\(name) is not a sweep file: YAML or JSON of the sweep options"
    }
  }

  /// Where the data comes from.
  public var source: DataSource {
    DataSource.named(
      data, examples: examples,
      columns: CSVColumns(label: label, targets: targets, features: features),
      dataSeed: dataSeed ?? DataSource.defaultDataSeed)
  }

  /// The most runs one sweep may have. All are queued at once; a larger grid is more often a
  /// typing mistake (`log:1e-6:1:1000` twice is a million runs) than a plan.
  public static let maximumRuns = 100_000

  /// The runs: the cartesian product of the axes, in the order layers, activation, batch size,
  /// train examples, seed, λ, α (α varying fastest).
  /// - Throws: `TrainingError` for an axis value a run cannot have, or a grid of more than
  ///   `maximumRuns` runs.
  public func plans() throws -> [TrainingPlan] {
    let axes = try axes()
    let count = axes.reduce(1.0) { $0 * Double($1.count) }  // in Double: it cannot overflow
    guard count <= Double(Self.maximumRuns) else {
      throw TrainingError.invalidOption(
        "the sweep has \(axes.map { String($0.count) }.joined(separator: " × ")) = \(String(format: "%.0f", count))"
          + " runs; one sweep may have at most \(Self.maximumRuns)")
    }
    var plans = [base]
    for axis in axes {
      plans = plans.flatMap { plan in (0..<axis.count).map { axis.setting(plan, $0) } }
    }
    for plan in plans { try plan.validate() }
    return plans
  }

  /// The one run of a spec whose axes hold one value each: what `nnlab train` trains.
  /// - Throws: `TrainingError.invalidValue` naming an axis given more than one value.
  public func plan() throws -> TrainingPlan {
    if let axis = try axes().first(where: { $0.count > 1 }) {
      throw TrainingError.invalid(axis.key, " takes one value, got \(axis.count)")
    }
    return try plans()[0]
  }
}

/// One axis of a sweep's grid: its key, how many values it has, and how its i-th value sets a
/// plan (an axis not given has one value, the plan's own).
struct Axis {
  let key: SweepSpec.CodingKeys
  let count: Int
  private let set: (inout TrainingPlan, Int) -> Void

  init<Value>(
    _ key: SweepSpec.CodingKeys, _ values: [Value]?,
    _ set: @escaping (inout TrainingPlan, Value) -> Void
  ) {
    self.key = key
    count = values?.count ?? 1
    self.set = { plan, index in values.map { set(&plan, $0[index]) } }
  }

  /// `plan` with the axis's `index`-th value.
  func setting(_ plan: TrainingPlan, _ index: Int) -> TrainingPlan {
    var copy = plan
    set(&copy, index)
    return copy
  }
}

/// Reads the texts given for the fields (as a command line or a file gives them) into values,
/// naming the field in its errors.
struct FieldReader {
  let text: (SweepSpec.CodingKeys) throws -> [String]?

  /// The comma-separated items, trimmed.
  func items(_ key: SweepSpec.CodingKeys) throws -> [String]? {
    guard let values = try text(key) else { return nil }
    let items = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
      .map { $0.trimmingCharacters(in: .whitespaces) }
    guard !items.isEmpty, !items.contains("") else {
      throw TrainingError.invalid(key, " needs a value for each comma-separated item")
    }
    return items
  }

  func one(_ key: SweepSpec.CodingKeys) throws -> String? {
    guard let list = try items(key) else { return nil }
    guard list.count == 1 else {
      throw TrainingError.invalid(key, " takes one value, got \(list.count)")
    }
    return list[0]
  }

  func list<T>(_ key: SweepSpec.CodingKeys, _ convert: (String) -> T?) throws -> [T]? {
    try items(key)?.map { try Self.converted($0, key, convert) }
  }

  func single<T>(_ key: SweepSpec.CodingKeys, _ convert: (String) -> T?) throws -> T? {
    try one(key).map { try Self.converted($0, key, convert) }
  }

  /// Names of a list of choices (`sigmoid,relu`), the valid names in the error.
  func choices<T: CaseIterable & RawRepresentable<String>>(
    _ key: SweepSpec.CodingKeys, _ type: T.Type
  ) throws -> [T]? {
    try items(key)?.map { try Self.chosen($0, key, type) }
  }

  func choice<T: CaseIterable & RawRepresentable<String>>(
    _ key: SweepSpec.CodingKeys, _ type: T.Type
  ) throws -> T? {
    try one(key).map { try Self.chosen($0, key, type) }
  }

  /// Numbers: `0,0.1,1`, `log:a:b:n` or `course` (see `SweepSpec.numbers`).
  func numbers(_ key: SweepSpec.CodingKeys) throws -> [Double]? {
    try text(key)?.flatMap { try SweepSpec.numbers($0, key: key) }
  }

  /// A whole number, written as one (`100`) or as a number with no fraction (`1e2`, `100.0`).
  static func whole(_ text: String) -> Int? {
    Int(text) ?? Double(text).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil }
  }

  /// A seed: a whole number from 0 to 2^64 − 1.
  static func seed(_ text: String) -> UInt64? {
    UInt64(text) ?? whole(text).flatMap(UInt64.init(exactly:))
  }

  private static func converted<T>(
    _ item: String, _ key: SweepSpec.CodingKeys, _ convert: (String) -> T?
  ) throws -> T {
    guard let value = convert(item) else {
      throw TrainingError.invalid(key, ": '\(item)' is not a valid value")
    }
    return value
  }

  private static func chosen<T: CaseIterable & RawRepresentable<String>>(
    _ item: String, _ key: SweepSpec.CodingKeys, _ type: T.Type
  ) throws -> T {
    guard let value = T(rawValue: item) else {
      throw TrainingError.invalid(
        key,
        ": '\(item)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
  }
}

/// A coding key of any name, to find the keys a file has that a sweep does not.
struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
