import ArgumentParser
import Backprop
import Foundation
import Reports
import Tracking

/// `nnlab show RUN`: one run — hyperparameters, life, figures, gradient checks, tags, curve.
struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Show one run: its hyperparameters, status, final figures, gradient checks and learning curve."
  )

  @Argument(help: "The run's id.")
  var runID: Int64

  @OptionGroup var database: DatabaseOptions

  func run() throws {
    let store = try database.open(.readOnly)
    var run = try store.run(runID)
    let spec = run.spec
    // A running run whose process is gone is shown as what it is (docs/design.md, "Storage").
    let gone = run.isStale()
    if gone { run.status = .interrupted }
    print(
      RunSummary(run).text
        + (gone ? " (its process is gone; 'nnlab resume \(runID)' continues it)" : ""))
    if let error = run.error { print("  error: \(error)") }
    print()
    var rows: [[String]] = [
      ["layers", spec.layers], ["activation", spec.activation], ["cost", spec.costFunction],
      ["learning rate α", Formatting.compact(spec.learningRate)],
      ["λ", Formatting.compact(spec.lambda)],
      ["epochs", String(spec.epochs)],
      ["batch size", spec.batchSize.map(String.init) ?? "full batch"],
      ["seed", String(spec.seed)], ["validation", Formatting.compact(spec.validationFraction)],
      ["train examples", spec.trainExamples.map(String.init) ?? "all"],
      ["snapshots", "every \(spec.snapshotEvery) epoch\(spec.snapshotEvery == 1 ? "" : "s")"],
      ["data", "\(spec.datasetName) (SHA-256 \(spec.datasetSha256.prefix(12))…)"],
      ["created", run.createdAt], ["started", run.startedAt ?? "—"],
      ["finished", run.finishedAt ?? "—"], ["duration", Self.duration(of: run)],
      ["host, pid", "\(run.host ?? "—"), \(run.pid.map(String.init) ?? "—")"],
      ["nnlab", spec.nnlabVersion],
    ]
    if let name = spec.name { rows.insert(["name", name], at: 0) }
    if let command = spec.commandLine { rows.append(["command", command]) }
    Formatting.printLines(Formatting.table(rows, rightAligned: false), indent: "  ")

    let tags = try store.tags(of: runID)
    if !tags.isEmpty {
      print()
      print("  tags: " + Formatting.tags(tags))
    }
    let checks = try store.gradientChecks(of: runID)
    if !checks.isEmpty {
      print()
      print("  gradient checks (relative difference per layer; a layer at 1e-6 or more FAILs):")
      for (epoch, layers) in Dictionary(grouping: checks, by: \.epoch).sorted(by: {
        $0.key < $1.key
      }) {
        let worst = layers.map(\.relativeDifference).max() ?? 0
        let figures = layers.map {
          "D(\($0.layer)) \(Formatting.scientific($0.relativeDifference))"
        }
        print(
          "    epoch \(epoch): \(figures.joined(separator: ", ")) — \(worst < GradientCheck.layerThreshold ? "PASS" : "FAIL")"
        )
      }
    }
    let epochs = try store.epochs(of: runID)
    guard let first = epochs.first, let last = epochs.last else { return }
    print()
    print("  over epochs \(first.epoch)–\(last.epoch):")
    var curves = [Self.curve("cost", epochs.map(\.cost))]
    if epochs.contains(where: { $0.validationError != nil }) {
      curves.append(Self.curve("validation error", epochs.compactMap(\.validationError)))
    }
    let layers = try store.layerEpochs(of: runID)
    for layer in Set(layers.map(\.layer)).sorted() {
      let norms = layers.filter { $0.layer == layer }.map(\.gradientNorm)
      curves.append(Self.curve("‖D(\(layer))‖", norms))
    }
    Formatting.printLines(TextTable(curves, rightAligned: false).lines(), indent: "    ")
    print()
    print("  learning curve:")
    let step = max(1, epochs.count / 10)
    var curve = [["epoch", "cost", "train error", "validation error", "validation accuracy"]]
    for epoch in epochs.enumerated().filter({
      $0.offset % step == 0 || $0.offset == epochs.count - 1
    }).map(\.element) {
      curve.append([
        String(epoch.epoch), Formatting.compact(epoch.cost), Formatting.compact(epoch.trainError),
        epoch.validationError.map(Formatting.compact) ?? "—",
        epoch.validationAccuracy.map { String(format: "%.1f %%", $0 * 100) } ?? "—",
      ])
    }
    Formatting.printLines(Formatting.table(curve), indent: "    ")
  }

  /// A series' name, its sparkline, and its first and last values.
  private static func curve(_ name: String, _ values: [Double]) -> [String] {
    let logarithmic = Sparkline.wantsLogScale(values)
    return [
      name + (logarithmic ? " (log)" : ""),
      Sparkline.line(values, width: 50, logarithmic: logarithmic),
      "\(Formatting.compact(values.first ?? .nan)) → \(Formatting.compact(values.last ?? .nan))",
    ]
  }

  /// From the start to the finish (or the last heartbeat), in seconds.
  private static func duration(of run: Run) -> String {
    guard let start = run.startedAt.flatMap(Timestamp.date(from:)),
      let end = (run.finishedAt ?? run.heartbeatAt).flatMap(Timestamp.date(from:))
    else { return "—" }
    return String(format: "%.1f s", end.timeIntervalSince(start))
  }
}
