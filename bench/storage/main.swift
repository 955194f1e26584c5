// The write path against Python's sqlite3 doing the same, measured side by side:
//   1. 1,000 epochs of a 400-25-10 run, each one transaction: the epoch row, 2 layer rows,
//      2 weight snapshots (82 KB) and the run's summary;
//   2. 1,000,000 layer rows (10,000 epochs of 100 layers) in one transaction;
//   3. metric values recorded per second: 10,000 epochs of 15 values (the epoch's 7 figures
//      and 4 for each of 2 layers), each epoch one transaction — `metrics` alone runs only this
//      (bench/run.py compares it with MLflow's).
// `claims` alone measures runs claimed per second (`claimQueuedRun`) by worker processes, each
// claiming from the same queue until it is empty (`--workers`, default 8; `--runs` queued,
// default 4,000), on SQLite; the runs claimed stay `running`, or with `--finish` each worker
// finishes each run it claims (`finishRun`) before its next claim, as a worker's runs end.
//
// With `--db URL` (a PostgreSQL URL) each workload also runs on that database, the repetitions
// alternating with SQLite's, and each of its figures is given as a ratio to SQLite's of the same
// run. Each repetition there writes a new run (a new sweep for claims) and deletes it after.
//
//     swift run -c release nnlab-storage-bench [repetitions] [metrics|claims] [--db URL]
//       [--workers N] [--runs N] [--finish]   (from the package's folder)

import BenchSupport
import Foundation
import Tracking

/// The command line: the repetitions (a number), the mode, and the options.
struct Arguments {
  var repetitions = 5
  var mode: String?
  var url: String?
  var workers = 8
  var runs = 4000
  /// Whether a claims worker finishes each run it claims (`finishRun`) before the next claim.
  var finish = false

  init(_ words: [String]) throws {
    var words = words[...]
    while let word = words.popFirst() {
      switch word {
      case "--db", "--workers", "--runs":
        guard let value = words.popFirst() else { throw BenchFailure("\(word) needs a value") }
        if word == "--db" {
          url = value
        } else {
          guard let number = Int(value), number >= 1 else {
            throw BenchFailure("\(word) needs a positive number, got '\(value)'")
          }
          if word == "--workers" { workers = number } else { runs = number }
        }
      case "--finish": finish = true
      case "metrics", "claims", "claim-worker": mode = word
      default:
        guard let number = Int(word) else { throw BenchFailure("unknown argument '\(word)'") }
        repetitions = max(1, number)
      }
    }
  }
}

struct BenchFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A store holding one running 400-25-10 run, and how to remove what was made for it.
struct Fresh {
  let store: any RunStore
  let run: Int64
  let dispose: () -> Void
}

/// A new SQLite file in a folder of its own (`url` nil), or the PostgreSQL database at `url`,
/// with a new running run.
func fresh(_ url: String?) throws -> Fresh {
  let spec = RunSpec(
    layers: "400-25-10", activation: "sigmoid", costFunction: "cross-entropy", learningRate: 0.3,
    lambda: 1,
    epochs: 1000, seed: 1, validationFraction: 0.2, datasetName: "glyphs",
    datasetSha256: String(repeating: "0", count: 64),
    nnlabVersion: "bench")
  if let url {
    let store = try RunStores.open(url)
    let run = try store.createRun(spec).id
    return Fresh(store: store, run: run) {
      _ = try? store.deleteRuns([run])
      try? store.close()
    }
  }
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let store = try RunStores.open(folder.appendingPathComponent("runs.sqlite").path)
  let run = try store.createRun(spec).id
  return Fresh(store: store, run: run) {
    try? store.close()
    try? FileManager.default.removeItem(at: folder)
  }
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

/// CLOCK_MONOTONIC in seconds: one clock for every process of the machine.
func monotonic() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments: Arguments
do {
  arguments = try Arguments(Array(CommandLine.arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(
    Data(
      ("nnlab-storage-bench: \(error)\nusage: nnlab-storage-bench [repetitions] [metrics|claims]"
        + " [--db URL] [--workers N] [--runs N] [--finish]\n").utf8))
  exit(64)
}
let repetitions = arguments.repetitions
/// The stores each workload runs on: SQLite (nil), then the URL given.
let locations: [String?] = [nil] + (arguments.url.map { [$0] } ?? [])

/// The median of what `body` measures on each of `locations`, `count` times, alternating
/// between them.
func alternating(
  _ count: Int = repetitions, _ body: (String?) throws -> Double
) rethrows -> [Double] {
  var times = Array(repeating: [Double](), count: locations.count)
  for _ in 0..<count {
    for (index, location) in locations.enumerated() { times[index].append(try body(location)) }
  }
  return times.map(median)
}

// MARK: Claims

/// A worker of `claims`: opens the store named in NNLAB_DB, says `ready`, waits for a byte on
/// its standard input, then claims runs of the sweep until none is left (finishing each when
/// `finish`), and prints how many it claimed, when it began and when it claimed (and finished)
/// its last (`monotonic`).
func claimWorker(sweep: Int64, finish: Bool) throws {
  guard let location = ProcessInfo.processInfo.environment["NNLAB_DB"] else {
    throw BenchFailure("claim-worker: NNLAB_DB is not set")
  }
  let store = try RunStores.open(location, access: .existing)
  FileHandle.standardOutput.write(Data("ready\n".utf8))
  _ = FileHandle.standardInput.readData(ofLength: 1)
  let began = monotonic()
  var claimed = 0
  var last = began
  while let run = try store.claimQueuedRun(in: sweep) {
    if finish { try store.finishRun(run.id, outcome: .finished) }
    claimed += 1
    last = monotonic()
  }
  try store.close()
  FileHandle.standardOutput.write(Data("\(claimed) \(began) \(last)\n".utf8))
}

/// Runs claimed per second by `arguments.workers` processes from one queue of
/// `arguments.runs`: all the runs over the time from the first worker's first claim to the
/// last run claimed. The workers open the database before the clock starts.
func claimsPerSecond(_ url: String?) throws -> Double {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let location = url ?? folder.appendingPathComponent("runs.sqlite").path
  let store = try RunStores.open(location)
  defer { try? store.close() }
  let specs = (0..<arguments.runs).map { index in
    RunSpec(
      layers: "400-25-10", activation: "sigmoid", costFunction: "cross-entropy",
      learningRate: 0.3, lambda: Double(index), epochs: 100, seed: 1, validationFraction: 0.2,
      datasetName: "glyphs", datasetSha256: String(repeating: "0", count: 64),
      nnlabVersion: "bench")
  }
  let (sweep, _) = try store.createSweep(name: "claims", spec: "{}", runs: specs)
  defer { _ = try? store.deleteSweep(sweep.id) }
  let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  var workers: [(process: Process, gate: Pipe, output: Pipe)] = []
  for _ in 0..<arguments.workers {
    let process = Process()
    process.executableURL = executable
    process.arguments = ["claim-worker", "\(sweep.id)"] + (arguments.finish ? ["--finish"] : [])
    process.environment = ProcessInfo.processInfo.environment.merging(["NNLAB_DB": location]) {
      $1
    }
    let gate = Pipe()
    let output = Pipe()
    process.standardInput = gate
    process.standardOutput = output
    try process.run()
    workers.append((process, gate, output))
  }
  /// The text a worker writes until a line break, or until it ends.
  func line(of output: Pipe) -> String {
    var bytes = Data()
    while true {
      let byte = output.fileHandleForReading.readData(ofLength: 1)
      if byte.isEmpty || byte.first == UInt8(ascii: "\n") { break }
      bytes.append(byte)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
  for worker in workers {
    let said = line(of: worker.output)
    guard said == "ready" else { throw BenchFailure("a claim worker did not start: '\(said)'") }
  }
  for worker in workers { try worker.gate.fileHandleForWriting.write(contentsOf: Data("go".utf8)) }
  var claimed = 0
  var began = Double.infinity
  var ended = -Double.infinity
  for worker in workers {
    let fields = line(of: worker.output).split(separator: " ").compactMap { Double($0) }
    worker.process.waitUntilExit()
    guard worker.process.terminationStatus == 0, fields.count == 3 else {
      throw BenchFailure("a claim worker failed (exit \(worker.process.terminationStatus))")
    }
    claimed += Int(fields[0])
    began = min(began, fields[1])
    ended = max(ended, fields[2])
  }
  let counts = try store.statusCounts(in: sweep.id)
  guard claimed == arguments.runs,
    counts[arguments.finish ? .finished : .running] == arguments.runs, counts.count == 1
  else {
    throw BenchFailure(
      "\(claimed) claims of \(arguments.runs) runs; the sweep holds \(counts) afterwards")
  }
  return Double(claimed) / (ended - began)
}

/// `PostgreSQL / SQLite` of the figures, as a suffix.
func ratio(_ values: [Double], _ index: Int) -> String {
  index == 0 ? "" : String(format: "  (PostgreSQL / SQLite %.2f)", values[index] / values[0])
}

let names = locations.map { $0 == nil ? "SQLite" : "PostgreSQL" }

switch arguments.mode {
case "claim-worker":
  guard let sweep = CommandLine.arguments.dropFirst(2).first.flatMap({ Int64($0) }) else {
    FileHandle.standardError.write(Data("usage: nnlab-storage-bench claim-worker SWEEP\n".utf8))
    exit(64)
  }
  try claimWorker(sweep: sweep, finish: arguments.finish)
  exit(0)
case "claims":
  let rates = try alternating { try claimsPerSecond($0) }
  print(
    "Claims, \(arguments.workers) worker processes, a queue of \(arguments.runs) runs"
      + (arguments.finish ? ", each finished once claimed" : "") + ", median of \(repetitions)")
  for (index, name) in names.enumerated() {
    print(
      "  " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
        + String(format: "%8.0f claims/s", rates[index]) + ratio(rates, index))
  }
  exit(0)
default:
  break
}

/// Metric values recorded per second on each store, each epoch's 15 in a transaction of their
/// own, or `grouped` epochs to a transaction as the training loop's writer thread does when it
/// falls behind (each epoch still whole; up to 128 wait for a small network's writer).
func metricValuesPerSecond(grouped: Int = 1) throws -> [Double] {
  let epochs = 10_000
  let records = (0..<epochs).map { epoch in
    EpochRecord(
      epoch: epoch, cost: 0.5, trainError: 0.49, validationError: 0.6, trainAccuracy: 0.9,
      validationAccuracy: 0.85, gradientNorm: 0.2, seconds: 0.01,
      layers: (1...2).map {
        .init(layer: $0, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05)
      })
  }
  return try alternating { location in
    let target = try fresh(location)
    defer { target.dispose() }
    return try seconds {
      for start in stride(from: 0, to: epochs, by: grouped) {
        try target.store.recordEpochs(
          Array(records[start..<min(epochs, start + grouped)]), of: target.run)
      }
    }
  }.map { Double(15 * epochs) / $0 }
}

if arguments.mode == "metrics" {
  let single = try metricValuesPerSecond()
  let grouped = try metricValuesPerSecond(grouped: 128)
  print(String(format: "metric values per second: %.0f", single[0]))
  print(String(format: "grouped by 128: %.0f", grouped[0]))
  for index in locations.indices.dropFirst() {
    print(String(format: "PostgreSQL, metric values per second: %.0f", single[index]))
    print(String(format: "PostgreSQL, grouped by 128: %.0f", grouped[index]))
    print(
      String(
        format: "PostgreSQL / SQLite: %.3f (a transaction per epoch),"
          + " %.3f (128 epochs a transaction)",
        single[index] / single[0], grouped[index] / grouped[0]))
  }
  exit(0)
}
let epochCount = 1000
let theta1 = (0..<25 * 401).map { Double($0) * 1e-4 }
let theta2 = (0..<10 * 26).map { -Double($0) * 1e-3 }

let epochTimes = try alternating { location in
  let target = try fresh(location)
  defer { target.dispose() }
  return try seconds {
    for epoch in 0..<epochCount {
      try target.store.recordEpoch(
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
        of: target.run)
    }
  }
}

let layerRows = 1_000_000
let layersPerEpoch = 100
let layerTimes = try alternating(max(1, repetitions / 2)) { location in
  let target = try fresh(location)
  defer { target.dispose() }
  let layers = (1...layersPerEpoch).map {
    EpochRecord.Layer(
      layer: $0, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.001, saturation: 0.05)
  }
  let records = (0..<layerRows / layersPerEpoch).map {
    EpochRecord(
      epoch: $0, cost: 0.5, trainError: 0.49, gradientNorm: 0.2, seconds: 0.01, layers: layers)
  }
  return try seconds { try target.store.recordEpochs(records, of: target.run) }
}

func row(_ name: String, _ value: String) {
  print("  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + value)
}

/// The row's name for the store at `index`.
func nnlab(_ index: Int) -> String { index == 0 ? "nnlab (GRDB)" : "nnlab (PostgreSQL)" }

let nnlabEpoch = epochTimes.map { $0 / Double(epochCount) }
print(
  "Write path, \(epochCount) epochs of 400-25-10 (epoch row, 2 layer rows, 2 snapshots, summary), median of \(repetitions)"
)
for index in locations.indices {
  row(
    nnlab(index),
    String(format: "%.3f ms/epoch  %5.0f epochs/s", nnlabEpoch[index] * 1e3, 1 / nnlabEpoch[index])
      + ratio(nnlabEpoch.map { 1 / $0 }, index))
}
if let peer = python("epochs", epochCount, repetitions).map({ median($0) / Double(epochCount) }) {
  row("Python sqlite3", String(format: "%.3f ms/epoch  %5.0f epochs/s", peer * 1e3, 1 / peer))
  row("nnlab / Python time", String(format: "%.2f", nnlabEpoch[0] / peer))
} else {
  row(
    "Python sqlite3",
    "not run (python3 bench/storage_reference.py failed; run from the package folder)")
}
print(
  "\(layerRows) layer rows in one transaction (\(layerRows / layersPerEpoch) epochs × \(layersPerEpoch) layers)"
)
for index in locations.indices {
  row(
    nnlab(index),
    String(
      format: "%.2f s  %7.0f rows/s", layerTimes[index], Double(layerRows) / layerTimes[index])
      + ratio(layerTimes.map { 1 / $0 }, index))
}
if let peer = python("layers", layerRows, max(1, repetitions / 2)).map(median) {
  row(
    "Python sqlite3 executemany",
    String(format: "%.2f s  %7.0f rows/s", peer, Double(layerRows) / peer))
  row("nnlab / Python time", String(format: "%.2f", layerTimes[0] / peer))
}
let metrics = try metricValuesPerSecond()
print("Metric values, 15 an epoch, each epoch one transaction")
for index in locations.indices {
  row(nnlab(index), String(format: "%.0f values/s", metrics[index]) + ratio(metrics, index))
}
