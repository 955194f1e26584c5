// Time per epoch of 400-25-10 on glyphs (m = 5000: 4000 training, 1000 validation examples)
// with every-epoch snapshots, recorded in a database file, and the share of it spent in the
// storage layer; beside it the same run recorded in memory.
//
//     swift run -c release nnlab-training-bench [epochs]

import Foundation
import Tracking
import Training

let epochs = max(1, CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 50)
let plan = TrainingPlan(layers: .hidden([25]), lambda: 1, epochs: epochs, gradientChecks: .never)
let prepared = try Runner.prepare(
  plan, on: .builtIn(name: "glyphs", examples: nil, seed: DataSource.defaultDataSeed))

func measure(_ database: RunDatabase) throws -> Runner.Report {
  try Runner(database: database).train(prepared, provenance: .init(nnlabVersion: "bench"))
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
  "nnlab-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let onDisk = try measure(
  try RunDatabase.open(path: folder.appendingPathComponent("runs.sqlite").path))
let inMemory = try measure(try RunDatabase.inMemory())

func row(_ name: String, _ report: Runner.Report) {
  let perEpoch = report.seconds / Double(epochs + 1) * 1e3
  let storage = report.storageSeconds / Double(epochs + 1) * 1e3
  print(
    "  " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
      + String(
        format: "%6.2f ms/epoch, storage %5.3f ms/epoch (%4.1f %%)", perEpoch, storage,
        100 * storage / perEpoch))
}
print("400-25-10 on glyphs (m = 5000), \(epochs) epochs, a snapshot every epoch")
row("database file (WAL)", onDisk)
row("in-memory database", inMemory)
print(String(format: "  file / memory time    %.2f", onDisk.seconds / inMemory.seconds))
