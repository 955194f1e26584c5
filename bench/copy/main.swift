// Epochs written to PostgreSQL by multi-row INSERT (what PostgresRunStore.recordEpochs does) and
// by COPY … FROM STDIN, side by side on the same server, to decide between them. PostgresNIO
// 1.33's COPY speaks only the text format: each float as its shortest decimal, each snapshot's
// bytes as hex. Two workloads, each `batches` transactions, the two ways alternating:
//   1. a 400-25-10 network's epochs as the writer gathers them in 200 ms of 14 ms epochs: 14
//      epoch rows, 28 layer rows and 28 weight snapshots (82 KB an epoch) a transaction;
//   2. a small network's epochs when its writer falls behind: 128 epoch rows and 256 layer rows,
//      no snapshots.
// The INSERT side is the store's whole write (it also locks the run, checks its holder and
// updates its summary); the COPY side only copies the rows, so it is favoured.
//
//     swift run -c release nnlab-copy-bench URL [repetitions]   (URL from bash bench/postgres.sh url)

import BenchSupport
import Foundation
import PostgresNIO
import Tracking

let words = Array(CommandLine.arguments.dropFirst())
guard let url = words.first, PostgresLocation.isPostgres(url) else {
  FileHandle.standardError.write(Data("usage: nnlab-copy-bench URL [repetitions]\n".utf8))
  exit(64)
}
let repetitions = words.dropFirst().first.flatMap { Int($0) }.map { max(1, $0) } ?? 5
let batches = 100

/// `epochs` epochs of 400-25-10 from `first`, with their snapshots when `snapshots`.
func records(from first: Int, count: Int, snapshots: Bool) -> [EpochRecord] {
  (first..<first + count).map { epoch in
    EpochRecord(
      epoch: epoch, cost: 0.5 / Double(epoch + 1), trainError: 0.49, validationError: 0.6,
      trainAccuracy: 0.9, validationAccuracy: 0.85, gradientNorm: 0.2, seconds: 0.014,
      layers: (1...2).map {
        .init(
          layer: $0, gradientNorm: 0.1 * Double($0), weightNorm: 2, updateRatio: 1e-3,
          saturation: 0.05)
      },
      snapshots: snapshots
        ? [
          .init(
            layer: 1, rows: 25, columns: 401,
            values: (0..<25 * 401).map { Double($0 + epoch) * 1.000_1e-4 }),
          .init(
            layer: 2, rows: 10, columns: 26, values: (0..<10 * 26).map { -Double($0) * 1e-3 }),
        ] : [])
  }
}

/// The rows of `records` in COPY's text format, one buffer a table.
func copyText(_ records: [EpochRecord], of run: Int64) -> (String, String, String) {
  func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "\\N" }
  var epochs = ""
  var layers = ""
  var snapshots = ""
  for record in records {
    epochs +=
      [
        "\(run)", "\(record.epoch)", text(record.cost), text(record.trainError),
        text(record.validationError), text(record.trainAccuracy), text(record.validationAccuracy),
        text(record.gradientNorm), text(record.seconds),
      ].joined(separator: "\t") + "\n"
    for layer in record.layers {
      layers +=
        [
          "\(run)", "\(record.epoch)", "\(layer.layer)", text(layer.gradientNorm),
          text(layer.weightNorm), text(layer.updateRatio), text(layer.saturation),
        ].joined(separator: "\t") + "\n"
    }
    for snapshot in record.snapshots {
      let digits = Array("0123456789abcdef".utf8)
      var hex: [UInt8] = []
      hex.reserveCapacity(snapshot.values.count * 16)
      for byte in SnapshotEncoding.data(from: snapshot.values) {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 15)])
      }
      snapshots +=
        [
          "\(run)", "\(record.epoch)", "\(snapshot.layer)", "\(snapshot.rows)",
          "\(snapshot.columns)", "\\\\x" + String(decoding: hex, as: UTF8.self),
        ].joined(separator: "\t") + "\n"
    }
  }
  return (epochs, layers, snapshots)
}

let spec = RunSpec(
  layers: "400-25-10", activation: "sigmoid", costFunction: "cross-entropy", learningRate: 0.3,
  lambda: 1, epochs: 100_000, seed: 1, validationFraction: 0.2, datasetName: "glyphs",
  datasetSha256: String(repeating: "0", count: 64), nnlabVersion: "bench")
let store = try RunStores.open(url)
let location = try PostgresLocation(url: url)
var logger = Logger(label: "nnlab-copy-bench")
logger.logLevel = .critical
let connection = try await PostgresConnection.connect(
  configuration: .init(
    host: location.host, port: location.port, username: location.user,
    password: location.password, database: location.database, tls: .disable),
  id: 1, logger: logger)

/// Seconds a transaction: `batches` of `size` epochs written by the store (`copy` false) or by
/// COPY, into a new run deleted after.
func measure(size: Int, snapshots: Bool, copy: Bool) async throws -> Double {
  let run = try store.createRun(spec).id
  defer { _ = try? store.deleteRuns([run]) }
  let work = (0..<batches).map { records(from: $0 * size, count: size, snapshots: snapshots) }
  let start = monotonicSeconds()
  for batch in work {
    if copy {
      let (epochs, layers, snapshotRows) = copyText(batch, of: run)
      try await connection.query("BEGIN", logger: logger)
      for (table, rows) in [
        ("epochs", epochs), ("layer_epochs", layers), ("weight_snapshots", snapshotRows),
      ]
      where !rows.isEmpty {
        try await connection.copyFrom(table: table, logger: logger) { writer in
          try await writer.write(ByteBuffer(string: rows))
        }
      }
      try await connection.query("COMMIT", logger: logger)
    } else {
      try store.recordEpochs(batch, of: run)
    }
  }
  return (monotonicSeconds() - start) / Double(batches)
}

func monotonicSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

print("Epochs written to \(location), \(batches) transactions, median of \(repetitions)")
for (name, size, snapshots) in [
  ("14 epochs of 400-25-10 with snapshots", 14, true), ("128 epochs, no snapshots", 128, false),
] {
  var insert: [Double] = []
  var copy: [Double] = []
  for _ in 0..<repetitions {
    insert.append(try await measure(size: size, snapshots: snapshots, copy: false))
    copy.append(try await measure(size: size, snapshots: snapshots, copy: true))
  }
  print(
    String(
      format:
        "  %@: INSERT (recordEpochs) %.2f ms, COPY text %.2f ms a transaction; COPY / INSERT %.2f",
      name, median(insert) * 1e3, median(copy) * 1e3, median(copy) / median(insert)))
}
try await connection.closeGracefully()
try store.close()
