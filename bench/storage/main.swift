// The write path against Python's sqlite3 doing the same, measured side by side:
//   1. 1,000 epochs of a 400-25-10 run, each one transaction: the epoch row, 2 layer rows,
//      2 weight snapshots (82 KB) and the run's summary;
//   2. 1,000,000 layer rows (10,000 epochs of 100 layers) in one transaction;
//   3. metric values recorded per second: 10,000 epochs of 15 values (the epoch's 7 figures
//      and 4 for each of 2 layers), each epoch one transaction — `metrics` alone runs only this
//      (bench/run.py compares it with MLflow's).
//
//     swift run -c release nnlab-storage-bench [repetitions] [metrics]   (from the package's folder)

import BenchSupport
import Foundation
import Tracking

/// A fresh database with one running 400-25-10 run.
func freshDatabase() throws -> (RunDatabase, Int64, URL) {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let database = try RunDatabase.open(path: folder.appendingPathComponent("runs.sqlite").path)
  let spec = RunSpec(
    layers: "400-25-10", activation: "sigmoid", costFunction: "cross-entropy", learningRate: 0.3,
    lambda: 1,
    epochs: 1000, seed: 1, validationFraction: 0.2, datasetName: "glyphs",
    datasetSha256: String(repeating: "0", count: 64),
    nnlabVersion: "bench")
  return (database, try database.createRun(spec).id, folder)
}

/// The peer's timings: `python3 bench/storage_reference.py kind count repetitions`.
func python(_ kind: String, _ count: Int, _ repetitions: Int) -> [Double]? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "bench/storage_reference.py", kind, "\(count)", "\(repetitions)"]
  let output = Pipe()
  process.standardOutput = output
  guard (try? process.run()) != nil else { return nil }
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  let times = text.split(separator: "\n").compactMap { Double($0) }
  return process.terminationStatus == 0 && !times.isEmpty ? times : nil
}

let repetitions = max(1, CommandLine.arguments.dropFirst().lazy.compactMap { Int($0) }.first ?? 5)

/// Metric values recorded per second, each epoch's 15 in a transaction of their own, or
/// `grouped` epochs to a transaction as the training loop's writer thread does when it falls
/// behind (each epoch still whole; up to 128 wait for a small network's writer).
func metricValuesPerSecond(grouped: Int = 1) throws -> Double {
  let epochs = 10_000
  let records = (0..<epochs).map { epoch in
    EpochRecord(
      epoch: epoch, cost: 0.5, trainError: 0.49, validationError: 0.6, trainAccuracy: 0.9,
      validationAccuracy: 0.85, gradientNorm: 0.2, seconds: 0.01,
      layers: (1...2).map {
        .init(layer: $0, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05)
      })
  }
  let times = try (0..<repetitions).map { _ in
    let (database, run, folder) = try freshDatabase()
    defer { try? FileManager.default.removeItem(at: folder) }
    return try seconds {
      for start in stride(from: 0, to: epochs, by: grouped) {
        try database.recordEpochs(Array(records[start..<min(epochs, start + grouped)]), of: run)
      }
    }
  }
  return Double(15 * epochs) / median(times)
}

if CommandLine.arguments.dropFirst().contains("metrics") {
  print(String(format: "metric values per second: %.0f", try metricValuesPerSecond()))
  print(String(format: "grouped by 128: %.0f", try metricValuesPerSecond(grouped: 128)))
  exit(0)
}
let epochCount = 1000
let theta1 = (0..<25 * 401).map { Double($0) * 1e-4 }
let theta2 = (0..<10 * 26).map { -Double($0) * 1e-3 }

var epochTimes: [Double] = []
for _ in 0..<repetitions {
  let (database, run, folder) = try freshDatabase()
  epochTimes.append(
    try seconds {
      for epoch in 0..<epochCount {
        try database.recordEpoch(
          EpochRecord(
            epoch: epoch, cost: 0.5, trainError: 0.49, validationError: 0.6, trainAccuracy: 0.9,
            validationAccuracy: 0.85, gradientNorm: 0.2, seconds: 0.01,
            layers: [
              .init(
                layer: 1, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05),
              .init(
                layer: 2, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05),
            ],
            snapshots: [
              .init(layer: 1, rows: 25, columns: 401, values: theta1),
              .init(layer: 2, rows: 10, columns: 26, values: theta2),
            ]),
          of: run)
      }
    })
  try database.close()
  try? FileManager.default.removeItem(at: folder)
}

let layerRows = 1_000_000
let layersPerEpoch = 100
var layerTimes: [Double] = []
for _ in 0..<max(1, repetitions / 2) {
  let (database, run, folder) = try freshDatabase()
  let layers = (1...layersPerEpoch).map {
    EpochRecord.Layer(
      layer: $0, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05)
  }
  let records = (0..<layerRows / layersPerEpoch).map {
    EpochRecord(
      epoch: $0, cost: 0.5, trainError: 0.49, gradientNorm: 0.2, seconds: 0.01, layers: layers)
  }
  layerTimes.append(try seconds { try database.recordEpochs(records, of: run) })
  try database.close()
  try? FileManager.default.removeItem(at: folder)
}

func row(_ name: String, _ value: String) {
  print("  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + value)
}

let nnlabEpoch = median(epochTimes) / Double(epochCount)
print(
  "Write path, \(epochCount) epochs of 400-25-10 (epoch row, 2 layer rows, 2 snapshots, summary), median of \(repetitions)"
)
row(
  "nnlab (GRDB)", String(format: "%.3f ms/epoch  %5.0f epochs/s", nnlabEpoch * 1e3, 1 / nnlabEpoch))
if let peer = python("epochs", epochCount, repetitions).map({ median($0) / Double(epochCount) }) {
  row("Python sqlite3", String(format: "%.3f ms/epoch  %5.0f epochs/s", peer * 1e3, 1 / peer))
  row("nnlab / Python time", String(format: "%.2f", nnlabEpoch / peer))
} else {
  row(
    "Python sqlite3",
    "not run (python3 bench/storage_reference.py failed; run from the package folder)")
}
let nnlabLayers = median(layerTimes)
print(
  "\(layerRows) layer rows in one transaction (\(layerRows / layersPerEpoch) epochs × \(layersPerEpoch) layers)"
)
row(
  "nnlab (GRDB)",
  String(format: "%.2f s  %7.0f rows/s", nnlabLayers, Double(layerRows) / nnlabLayers))
if let peer = python("layers", layerRows, max(1, repetitions / 2)).map(median) {
  row(
    "Python sqlite3 executemany",
    String(format: "%.2f s  %7.0f rows/s", peer, Double(layerRows) / peer))
  row("nnlab / Python time", String(format: "%.2f", nnlabLayers / peer))
}
print(
  String(
    format:
      "Metric values, 15 an epoch, each epoch one transaction\n  nnlab (GRDB)                %.0f values/s",
    try metricValuesPerSecond()))
