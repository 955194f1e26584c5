// What recording costs: the same run trained with every epoch recorded (its row, layer rows
// and weight snapshots, through the writer thread, in a database file) and with recording off
// (`Runner.recordsEpochs`), seconds per epoch as the median of the repetitions.
//
//     swift run -c release nnlab-training-bench [epochs] [repetitions] [DATA.csv LABEL]
//
// Without a file: 400-25-10 on the built-in glyphs (m = 5000: 4000 training, 1000 validation
// examples). With one: 25 hidden units on the file's features, no validation split, no scaling.
// bench/run.py runs it pinned to one core, where the writer thread takes turns with training.

import BenchSupport
import Datasets
import Foundation
import Tracking
import Training

let arguments = Array(CommandLine.arguments.dropFirst())
let epochs = max(1, arguments.first.flatMap(Int.init) ?? 50)
let repetitions = max(1, arguments.dropFirst().first.flatMap(Int.init) ?? 3)
let file = arguments.count >= 4 ? (path: arguments[2], label: arguments[3]) : nil
let plan =
  file == nil
  ? TrainingPlan(layers: .hidden([25]), lambda: 1, epochs: epochs, gradientChecks: .never)
  : TrainingPlan(
    layers: .hidden([25]), lambda: 1, epochs: epochs, validationFraction: 0,
    scaling: ScalingMethod.none, gradientChecks: .never)
let source =
  file.map { DataSource.csv(path: $0.path, columns: CSVColumns(label: $0.label)) }
  ?? .builtIn(name: "glyphs", examples: nil, seed: DataSource.defaultDataSeed)
let prepared = try Runner.prepare(plan, on: source)

/// Seconds per epoch of one run, recorded in a new database file or not recorded.
func secondsPerEpoch(recording: Bool) throws -> Double {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  var runner = Runner(
    database: try RunDatabase.open(path: folder.appendingPathComponent("runs.sqlite").path))
  runner.recordsEpochs = recording
  let report = try runner.train(prepared, provenance: .init(nnlabVersion: "bench"))
  return report.seconds / Double(epochs + 1)
}

var recorded: [Double] = []
var unrecorded: [Double] = []
for _ in 0..<repetitions {
  recorded.append(try secondsPerEpoch(recording: true))
  unrecorded.append(try secondsPerEpoch(recording: false))
}
let (on, off) = (median(recorded), median(unrecorded))
print(
  "\(prepared.network.architecture) on \(prepared.data.dataset.name), \(epochs) epochs, a snapshot every epoch, median of \(repetitions)"
)
print(String(format: "  recorded      %7.3f ms/epoch", on * 1e3))
print(String(format: "  not recorded  %7.3f ms/epoch", off * 1e3))
print(String(format: "tracking overhead: %.2f %%", (on - off) / off * 100))
