// What recording costs: the same run trained with every epoch recorded (its row, layer rows
// and weight snapshots, through the writer thread, in a database file) and with recording off
// (`Runner.recordsEpochs`), seconds per epoch as the median of the repetitions.
//
//     swift run -c release nnlab-training-bench [epochs] [repetitions] [DATA.csv LABEL] [--db URL]
//
// Without a file: 400-25-10 on the built-in glyphs (m = 5000: 4000 training, 1000 validation
// examples). With one: 25 hidden units on the file's features, no validation split, no scaling.
// bench/run.py runs it pinned to one core, where the writer thread takes turns with training.
//
// With `--db URL` (a PostgreSQL URL) the run is also recorded there, and the runs alternate:
// not recorded, recorded in a new SQLite file, recorded at the URL (where the runs not recorded
// are made too). The last line is then PostgreSQL's overhead, the line before it SQLite's.

import BenchSupport
import Datasets
import Foundation
import Tracking
import Training

var arguments = Array(CommandLine.arguments.dropFirst())
var url: String?
if let option = arguments.firstIndex(of: "--db") {
  guard option + 1 < arguments.count else {
    FileHandle.standardError.write(Data("nnlab-training-bench: --db needs a URL\n".utf8))
    exit(64)
  }
  url = arguments[option + 1]
  arguments.removeSubrange(option...option + 1)
}
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
/// The PostgreSQL store, opened once, as a worker keeps its connections from run to run.
let server = try url.map { try RunStores.open($0) }

/// Seconds per epoch of one run, recorded or not, in a new database file or at the URL.
func secondsPerEpoch(recording: Bool, onServer: Bool = false) throws -> Double {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let store =
    try onServer ? server! : RunStores.open(folder.appendingPathComponent("runs.sqlite").path)
  var runner = Runner(database: store)
  runner.recordsEpochs = recording
  let report = try runner.train(prepared, provenance: .init(nnlabVersion: "bench"))
  if onServer { try store.deleteRuns([report.run.id]) } else { try store.close() }
  return report.seconds / Double(epochs + 1)
}

var recorded: [Double] = []
var unrecorded: [Double] = []
var serverRecorded: [Double] = []
for _ in 0..<repetitions {
  recorded.append(try secondsPerEpoch(recording: true))
  unrecorded.append(try secondsPerEpoch(recording: false, onServer: server != nil))
  if server != nil { serverRecorded.append(try secondsPerEpoch(recording: true, onServer: true)) }
}
let (on, off) = (median(recorded), median(unrecorded))
print(
  "\(prepared.network.architecture) on \(prepared.data.dataset.name), \(epochs) epochs, a snapshot every epoch, median of \(repetitions)"
)
if server == nil {
  print(String(format: "  recorded      %7.3f ms/epoch", on * 1e3))
  print(String(format: "  not recorded  %7.3f ms/epoch", off * 1e3))
  print(String(format: "tracking overhead: %.2f %%", (on - off) / off * 100))
} else {
  let onServer = median(serverRecorded)
  print(String(format: "  recorded in PostgreSQL  %7.3f ms/epoch", onServer * 1e3))
  print(String(format: "  recorded in SQLite      %7.3f ms/epoch", on * 1e3))
  print(String(format: "  not recorded            %7.3f ms/epoch", off * 1e3))
  print(String(format: "tracking overhead, SQLite: %.2f %%", (on - off) / off * 100))
  print(String(format: "tracking overhead, PostgreSQL: %.2f %%", (onServer - off) / off * 100))
  try server?.close()
}
