import Foundation
import Tracking

/// What `nnlab export tensorboard` writes of some runs, as TensorBoard's HParams tab and scalar
/// and histogram dashboards read it: for each run a folder (`folderName`) of one event file
/// (`runFile`), and beside the folders the experiment's event file (`experimentFile`).
///
/// A run's file holds, each at its epoch as the step and at the epoch's wall time (the run's
/// start plus the seconds of the epochs up to it):
/// - the scalars `cost`, `error/train`, `error/validation`, `accuracy/train`,
///   `accuracy/validation`, `gradient_norm`, and for each layer l `layer{l}/gradient_norm`,
///   `layer{l}/update_ratio`, `layer{l}/weight_norm`, `layer{l}/saturation` (float32, as
///   TensorBoard keeps scalars);
/// - `layer{l}/weights`, a histogram of Θ(l) without its bias column at each snapshot;
/// - the HParams plugin's session: its start (the hyperparameters) first, then the metrics
///   (`metrics`) at the last epoch, and its end (the status).
public struct TensorBoardExport: Sendable {
  /// An event file: its name, the same at each export of the same runs, and its bytes.
  public struct EventFileContents: Sendable, Equatable {
    public let name: String
    public let bytes: [UInt8]
  }

  /// The runs exported.
  public let runs: [Run]
  /// The hyperparameters that some run lacks as a number (a full batch, all the examples),
  /// which are text for every run.
  private let textual: Set<String>

  /// The export of `runs`.
  public init(runs: [Run]) {
    self.runs = runs
    textual = Set(
      Self.hyperparameters.filter { _, value in
        runs.contains { if case .text = value($0.spec) { true } else { false } }
      }.map(\.name))
  }

  /// A hyperparameter: its name, and its value in a run.
  typealias Hyperparameter = (name: String, value: @Sendable (RunSpec) -> HParams.Value)

  /// The hyperparameters the HParams tab lists.
  static let hyperparameters: [Hyperparameter] = [
    ("lambda", { .number($0.lambda) }),
    ("learning_rate", { .number($0.learningRate) }),
    ("layers", { .text($0.layers) }),
    ("activation", { .text($0.activation) }),
    ("batch_size", { spec in spec.batchSize.map { .number(Double($0)) } ?? .text("full") }),
    ("seed", { .number(Double($0.seed)) }),
    ("train_examples", { spec in spec.trainExamples.map { .number(Double($0)) } ?? .text("all") }),
  ]

  /// The metrics the HParams tab sets against them, each a scalar written once in the run's
  /// file: the final validation error and accuracy, and those of the best epoch (the lowest
  /// validation error).
  static let metrics: [(tag: String, value: @Sendable (_ run: Run, _ best: Epoch?) -> Double?)] = [
    ("final/validation_error", { run, _ in run.finalValidationError }),
    ("final/validation_accuracy", { run, _ in run.finalValidationAccuracy }),
    ("best/validation_error", { run, _ in run.bestValidationError }),
    ("best/validation_accuracy", { _, best in best?.validationAccuracy }),
  ]

  /// The folder of `run`: `run-ID`, then `-NAME` when it has a name, with `/`, `\` and control
  /// characters as `_` and cut to 200 bytes of UTF-8.
  public static func folderName(of run: Run) -> String {
    guard let name = run.spec.name, !name.isEmpty else { return "run-\(run.id)" }
    var kept = ""
    for character in name {
      let safe =
        character == "/" || character == "\\"
          || character.unicodeScalars.contains { $0.properties.generalCategory == .control }
        ? "_" : character
      guard kept.utf8.count + String(safe).utf8.count <= 200 else { break }
      kept.append(safe)
    }
    return "run-\(run.id)-\(kept)"
  }

  /// The event file of `run`.
  /// - Throws: what reading `store` throws.
  public func runFile(_ run: Run, in store: any RunStore) throws -> EventFileContents {
    let epochs = try store.epochs(of: run.id)
    let layers = Dictionary(grouping: try store.layerEpochs(of: run.id), by: \.epoch)
    let start = Self.seconds(run.startedAt) ?? Self.seconds(run.createdAt) ?? 0
    var file = EventFile(wallTime: start)
    file.append(
      Message.event(
        wallTime: start, step: 0,
        value: HParams.sessionStart(
          Self.hyperparameters.map { ($0.name, value($0, of: run)) }, startTime: start)))
    // Each epoch's time: the run's start and the seconds of the epochs up to it.
    var wallTime = start
    var times: [Int: Double] = [:]
    for epoch in epochs {
      wallTime += epoch.seconds
      times[epoch.epoch] = wallTime
      let scalars: [(String, Double?)] =
        [
          ("cost", epoch.cost), ("error/train", epoch.trainError),
          ("error/validation", epoch.validationError), ("accuracy/train", epoch.trainAccuracy),
          ("accuracy/validation", epoch.validationAccuracy),
          ("gradient_norm", epoch.gradientNorm),
        ]
        + (layers[epoch.epoch] ?? []).flatMap { layer in
          [
            ("layer\(layer.layer)/gradient_norm", layer.gradientNorm),
            ("layer\(layer.layer)/update_ratio", layer.updateRatio),
            ("layer\(layer.layer)/weight_norm", layer.weightNorm),
            ("layer\(layer.layer)/saturation", layer.saturation),
          ]
        }
      for case (let tag, let value?) in scalars {
        file.append(
          Message.event(wallTime: wallTime, step: epoch.epoch, value: Message.scalar(tag, value)))
      }
    }
    for epoch in try store.snapshotEpochs(of: run.id) {
      for theta in try store.snapshot(of: run.id, atOrBefore: epoch) {
        file.append(
          Message.event(
            wallTime: times[epoch] ?? start, step: epoch,
            value: Message.histogram("layer\(theta.layer)/weights", try theta.weightsWithoutBias()))
        )
      }
    }
    let last = epochs.last
    let best = epochs.first { $0.epoch == run.bestEpoch }
    for (tag, value) in Self.metrics {
      guard let last, let value = value(run, best) else { continue }
      file.append(
        Message.event(
          wallTime: times[last.epoch] ?? start, step: last.epoch, value: Message.scalar(tag, value)
        ))
    }
    let end = Self.seconds(run.finishedAt)
    file.append(
      Message.event(
        wallTime: end ?? wallTime, step: last?.epoch ?? 0,
        value: HParams.sessionEnd(Self.status(of: run), endTime: end)))
    return EventFileContents(name: Self.fileName(at: start), bytes: file.bytes)
  }

  /// The name of the experiment's event file: the same for every export, so that a folder
  /// exported into again holds one experiment, the latest.
  public static let experimentFileName = "events.out.tfevents.0000000000.nnlab-experiment"

  /// The experiment's event file: every hyperparameter with the values the runs have, and
  /// every metric.
  public var experimentFile: [UInt8] {
    let created = runs.compactMap { Self.seconds($0.createdAt) }.min() ?? 0
    let values = Self.hyperparameters.map { hyperparameter in
      (
        name: hyperparameter.name,
        values: Array(Set(runs.map { value(hyperparameter, of: $0) })).sorted(by: Self.order)
      )
    }
    var file = EventFile(wallTime: created)
    file.append(
      Message.event(
        wallTime: created, step: 0,
        value: HParams.experiment(
          created: created, hyperparameters: values, metrics: Self.metrics.map(\.tag))))
    return file.bytes
  }

  /// The value of `hyperparameter` in `run`, as text when it is text for any run.
  private func value(_ hyperparameter: Hyperparameter, of run: Run) -> HParams.Value {
    let value = hyperparameter.value(run.spec)
    guard textual.contains(hyperparameter.name), case .number(let number) = value else {
      return value
    }
    return .text(
      number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : "\(number)")
  }

  /// Numbers by size, text by its characters.
  private static func order(_ first: HParams.Value, _ second: HParams.Value) -> Bool {
    switch (first, second) {
    case (.number(let a), .number(let b)): a < b
    case (.text(let a), .text(let b)): a < b
    case (.number, .text): true
    case (.text, .number): false
    }
  }

  private static func status(of run: Run) -> HParams.Status {
    switch run.status {
    case .finished: .success
    case .diverged, .failed: .failure
    case .running: .running
    case .queued, .interrupted: .unknown
    }
  }

  /// TensorBoard's name of an event file, `events.out.tfevents.` then the seconds of its first
  /// event in 10 digits, then who wrote it; the same name each time the same runs are exported.
  private static func fileName(at seconds: Double) -> String {
    String(format: "events.out.tfevents.%010lld.nnlab", Int64(seconds))
  }

  /// A stored time in seconds since 1970.
  private static func seconds(_ stored: String?) -> Double? {
    stored.flatMap(Timestamp.date(from:))?.timeIntervalSince1970
  }
}
