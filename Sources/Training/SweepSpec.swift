import Backprop
import Datasets
import Foundation
import Yams

/// A sweep: the options of `nnlab train`, where each axis — lambda, lr, layers, activation,
/// batch-size, train-examples, seed — holds a list. The same fields come from the command line
/// or from a YAML or JSON file (keys as the options are named), and give the same runs.
public struct SweepSpec: Codable, Sendable, Equatable {
  public var name: String?
  public var data = "glyphs"
  public var label: String?
  public var targets: [String]?
  public var features: [String]?
  public var examples: Int?
  public var dataSeed: UInt64?
  /// Axis: architectures `s1-…-sL`; nil for `hidden`.
  public var layers: [String]?
  /// The hidden sizes when `layers` is nil.
  public var hidden: [Int] = [25]
  public var activation: [Activation] = [.sigmoid]
  public var cost: Cost = .crossEntropy
  public var lr: [Double] = [1]
  public var lambda: [Double] = [1]
  public var epochs = 100
  /// Axis: mini-batch sizes; nil for full batch.
  public var batchSize: [Int]?
  public var validation = 0.2
  public var trainExamples: [Int]?
  public var scale: ScalingMethod = .standard
  public var seed: [UInt64] = [1]
  public var snapshotEvery = 1
  /// nil: once, before training; 0: never.
  public var gradcheckEvery: Int?
  /// Early stopping after this many epochs without a better validation error; nil: never.
  public var patience: Int?

  public init() {}

  /// The course's λ list, `--lambda course`.
  public static let courseLambdas: [Double] = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]

  /// The fields, named as the command line options and the file keys are.
  public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
    case name, data, label, targets, features, examples, layers, hidden, activation, cost, lr,
      lambda, epochs
    case validation, scale, seed
    case dataSeed = "data-seed"
    case batchSize = "batch-size"
    case trainExamples = "train-examples"
    case snapshotEvery = "snapshot-every"
    case gradcheckEvery = "gradcheck-every"
    case patience
  }

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
    try spec.set(text: text)
    self = spec
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodeIfPresent(name, forKey: .name)
    try container.encode(data, forKey: .data)
    try container.encodeIfPresent(label, forKey: .label)
    try container.encodeIfPresent(targets, forKey: .targets)
    try container.encodeIfPresent(features, forKey: .features)
    try container.encodeIfPresent(examples, forKey: .examples)
    try container.encodeIfPresent(dataSeed, forKey: .dataSeed)
    try container.encodeIfPresent(layers, forKey: .layers)
    try container.encode(hidden, forKey: .hidden)
    try container.encode(activation.map(\.rawValue), forKey: .activation)
    try container.encode(cost.rawValue, forKey: .cost)
    try container.encode(lr, forKey: .lr)
    try container.encode(lambda, forKey: .lambda)
    try container.encode(epochs, forKey: .epochs)
    try container.encodeIfPresent(batchSize, forKey: .batchSize)
    try container.encode(validation, forKey: .validation)
    try container.encodeIfPresent(trainExamples, forKey: .trainExamples)
    try container.encode(scale, forKey: .scale)
    try container.encode(seed, forKey: .seed)
    try container.encode(snapshotEvery, forKey: .snapshotEvery)
    try container.encodeIfPresent(gradcheckEvery, forKey: .gradcheckEvery)
    try container.encodeIfPresent(patience, forKey: .patience)
  }

  /// Sets every field that `text` has a value for: one or more texts per option, as the
  /// command line or a file gives them (`0,0.1`, `log:0.001:10:9`, `course`).
  /// - Throws: `TrainingError.invalidOption` naming the option and the value.
  public mutating func set(text: (CodingKeys) throws -> [String]?) throws {
    func items(_ key: CodingKeys) throws -> [String]? {
      guard let values = try text(key) else { return nil }
      let items = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard !items.isEmpty, !items.contains("") else {
        throw TrainingError.invalidOption(
          "--\(key.rawValue) needs a value for each comma-separated item")
      }
      return items
    }
    func one(_ key: CodingKeys) throws -> String? {
      guard let list = try items(key) else { return nil }
      guard list.count == 1 else {
        throw TrainingError.invalidOption("--\(key.rawValue) takes one value, got \(list.count)")
      }
      return list[0]
    }
    func converted<T>(_ key: CodingKeys, _ convert: (String) -> T?) throws -> [T]? {
      try items(key)?.map { item in
        guard let value = convert(item) else {
          throw TrainingError.invalidOption("--\(key.rawValue): '\(item)' is not a valid value")
        }
        return value
      }
    }
    func numbers(_ key: CodingKeys) throws -> [Double]? {
      guard let list = try text(key) else { return nil }
      return try list.flatMap { try Self.numbers($0, option: "--\(key.rawValue)") }
    }
    func single<T>(_ key: CodingKeys, _ convert: (String) -> T?) throws -> T? {
      try one(key).map { item in
        guard let value = convert(item) else {
          throw TrainingError.invalidOption("--\(key.rawValue): '\(item)' is not a valid value")
        }
        return value
      }
    }
    let whole = { (text: String) in
      Double(text).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil } ?? Int(text)
    }
    if let value = try one(.name) { name = value }
    if let value = try one(.data) { data = value }
    if let value = try one(.label) { label = value }
    if let value = try items(.targets) { targets = value }
    if let value = try items(.features) { features = value }
    if let value = try single(.examples, whole) { examples = value }
    if let value = try single(.dataSeed, { whole($0).flatMap(UInt64.init(exactly:)) }) {
      dataSeed = value
    }
    if let value = try items(.layers) { layers = value }
    if let value = try converted(.hidden, whole) { hidden = value }
    if let value = try converted(.activation, Activation.init(rawValue:)) { activation = value }
    if let value = try single(.cost, Cost.init(rawValue:)) { cost = value }
    if let value = try numbers(.lr) { lr = value }
    if let value = try numbers(.lambda) { lambda = value }
    if let value = try single(.epochs, whole) { epochs = value }
    if let value = try converted(.batchSize, whole) { batchSize = value }
    if let value = try single(.validation, Double.init) { validation = value }
    if let value = try converted(.trainExamples, whole) { trainExamples = value }
    if let value = try single(.scale, ScalingMethod.init(rawValue:)) { scale = value }
    if let value = try converted(.seed, { whole($0).flatMap(UInt64.init(exactly:)) }) {
      seed = value
    }
    if let value = try single(.snapshotEvery, whole) { snapshotEvery = value }
    if let value = try single(.gradcheckEvery, whole) { gradcheckEvery = value }
    if let value = try single(.patience, whole) { patience = value }
  }

  /// The numbers of one text: `0,0.1,1`, `log:a:b:n` (n log-spaced points from a to b), or
  /// `course` (the course's λ list).
  static func numbers(_ text: String, option: String) throws -> [Double] {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed == "course" { return courseLambdas }
    if trimmed.hasPrefix("log:") {
      let parts = trimmed.dropFirst(4).split(separator: ":").map { Double($0) }
      guard parts.count == 3, let low = parts[0], let high = parts[1], let count = parts[2],
        low > 0, high > low, count >= 2, count.rounded() == count, count <= 1000
      else {
        throw TrainingError.invalidOption(
          "\(option): '\(trimmed)' is not log:LOW:HIGH:N with 0 < LOW < HIGH and N from 2 to 1000")
      }
      let n = Int(count)
      let (first, last) = (log10(low), log10(high))
      return (0..<n).map { pow(10, first + Double($0) * (last - first) / Double(n - 1)) }
    }
    let items = trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    return try items.map { item in
      guard let value = Double(item), value.isFinite else {
        throw TrainingError.invalidOption("\(option): '\(item)' is not a number")
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
  /// - Throws: `TrainingError.invalidOption` for an axis value a run cannot have, or a grid of
  ///   more than `maximumRuns` runs.
  public func plans() throws -> [TrainingPlan] {
    let sizes: [LayerSizes] =
      try layers?.map { text in
        do {
          return .architecture(try Architecture(parsing: text))
        } catch {
          throw TrainingError.invalidOption("--layers: \(error)")
        }
      } ?? [.hidden(hidden)]
    let checks: GradientCheckPolicy = gradcheckEvery.map { $0 == 0 ? .never : .every($0) } ?? .once
    let batches: [Int?] = batchSize.map { $0.map(Optional.some) } ?? [nil]
    let trainingSizes: [Int?] = trainExamples.map { $0.map(Optional.some) } ?? [nil]
    let axes = [
      sizes.count, activation.count, batches.count, trainingSizes.count, seed.count, lambda.count,
      lr.count,
    ]
    let count = axes.reduce(1.0) { $0 * Double($1) }  // in Double: it cannot overflow
    guard count <= Double(Self.maximumRuns) else {
      throw TrainingError.invalidOption(
        "the sweep has \(axes.map(String.init).joined(separator: " × ")) = \(String(format: "%.0f", count))"
          + " runs; one sweep may have at most \(Self.maximumRuns)")
    }
    var plans: [TrainingPlan] = []
    plans.reserveCapacity(Int(count))
    for layerSizes in sizes {
      for activation in activation {
        for batch in batches {
          for train in trainingSizes {
            for seed in seed {
              for lambda in lambda {
                for lr in lr {
                  let plan = TrainingPlan(
                    layers: layerSizes, activation: activation, cost: cost, learningRate: lr,
                    lambda: lambda,
                    epochs: epochs, batchSize: batch, seed: seed, validationFraction: validation,
                    trainExamples: train, snapshotEvery: snapshotEvery, scaling: scale,
                    gradientChecks: checks,
                    patience: patience)
                  try plan.validate()
                  plans.append(plan)
                }
              }
            }
          }
        }
      }
    }
    return plans
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
