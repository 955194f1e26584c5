// Reports on a large database: 1,000 runs (a λ × α × seed grid of 10 × 10 × 10) of 1,000
// epochs of a 64-25-10 network, 2 layer rows per epoch and snapshots every 100 epochs, written
// by the storage layer's write path. Times, each the median of the repetitions:
//   - the `runs` listing's query in this process (sorted by validation error, 20 rows);
//   - whole commands: `nnlab runs --sort validation_error --limit 20`, `nnlab report sweep`,
//     `nnlab export epochs --sweep N` (to /dev/null), against `nnlab --version` (starting the
//     process) and sqlite3's shell (psql for PostgreSQL) running the same listing, where it is
//     installed;
//   - the database's size per epoch.
//
//     swift build -c release && .build/release/nnlab-reports-bench [database] [repetitions]
//
// The database is an SQLite file, or a PostgreSQL URL (an empty database, or one this bench
// filled: `nnlab_other` of bench/postgres.sh, say). It is made when the file does not exist, or
// when the PostgreSQL database holds no runs, and kept for the next time. The commands get the
// database in NNLAB_DB, so a URL's password is not on their command lines.

import BenchSupport
import Foundation
import Reports
import Tracking

let arguments = Array(CommandLine.arguments.dropFirst())
let path =
  arguments.first
  ?? FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-reports-bench.sqlite"
  ).path
let repetitions = max(1, arguments.dropFirst().first.flatMap(Int.init) ?? 5)
let lambdas = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]
let rates = [0.01, 0.03, 0.1, 0.3, 1, 2, 3, 5, 10, 30]
let epochCount = 1000

/// A deterministic value in [0, 1) for a run and a salt.
func noise(_ run: Int, _ salt: Int) -> Double {
  var x = UInt64(run &* 2_654_435_761 &+ salt &* 40503) &+ 0x9E37_79B9_7F4A_7C15
  x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
  x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
  return Double((x ^ (x >> 31)) >> 11) / Double(1 << 53)
}

/// Writes the database: a curve per run that falls with α and, past its best, rises with λ.
func makeDatabase(at path: String) throws {
  let store = try RunStores.open(path)
  var specs: [RunSpec] = []
  for lambda in lambdas {
    for rate in rates {
      for seed in 1...10 {
        specs.append(
          RunSpec(
            layers: "64-25-10", activation: "sigmoid", costFunction: "cross-entropy",
            learningRate: rate, lambda: lambda, epochs: epochCount, seed: Int64(seed),
            validationFraction: 0.2, snapshotEvery: 100, datasetName: "digits",
            datasetSha256: String(repeating: "0", count: 64), nnlabVersion: "bench"))
      }
    }
  }
  let (sweep, _) = try store.createSweep(name: "bench", spec: "{}", runs: specs)
  var index = 0
  while let run = try store.claimQueuedRun(in: sweep.id) {
    index += 1
    let spec = run.spec
    let floor = 0.2 + 0.5 * abs(log10(spec.lambda + 0.01) + 1) / 3 + 0.05 * noise(index, 1)
    let speed = spec.learningRate / 300
    var records: [EpochRecord] = []
    for epoch in 0...epochCount {
      let train = floor + 6.7 * exp(-speed * Double(epoch))
      let snapshot = epoch % 100 == 0
      records.append(
        EpochRecord(
          epoch: epoch, cost: train * 1.01, trainError: train,
          validationError: train * (1.1 + 0.2 / (1 + spec.lambda)),
          trainAccuracy: 1 / (1 + train), validationAccuracy: 1 / (1.2 + train),
          gradientNorm: 0.5 * exp(-speed * Double(epoch)) + 0.01, seconds: 0.001,
          layers: (1...2).map { layer in
            .init(
              layer: layer, gradientNorm: 0.1 / Double(layer), weightNorm: 3,
              updateRatio: 0.001, saturation: 0.05)
          },
          snapshots: snapshot
            ? [
              .init(layer: 1, rows: 25, columns: 65, values: (0..<25 * 65).map { _ in 0.1 }),
              .init(layer: 2, rows: 10, columns: 26, values: (0..<10 * 26).map { _ in -0.1 }),
            ] : []))
      if records.count == 100 || epoch == epochCount {
        try store.recordEpochs(records, of: run.id)
        records.removeAll()
      }
    }
    try store.finishRun(run.id, outcome: .finished)
  }
  try store.close()
}

/// The median wall time of `executable arguments…`, its output discarded. Spawned and waited
/// for directly: Foundation's `Process.waitUntilExit` polls, in steps of about 50 ms.
func commandTime(_ executable: String, _ arguments: [String]) throws -> Double {
  // The child's environment: this process's, with NNLAB_DB naming the database.
  setenv("NNLAB_DB", path, 1)
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  let argv = ([executable] + arguments).map { strdup($0) } + [nil]
  defer { for argument in argv { free(argument) } }
  return try median(
    (0..<repetitions).map { _ in
      var status: Int32 = 0
      let time = seconds {
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return }
        waitpid(pid, &status, 0)
      }
      guard status == 0 else { throw CocoaError(.executableLoad) }
      return time
    })
}

let onServer = PostgresLocation.isPostgres(path)
var isEmpty = !FileManager.default.fileExists(atPath: path)
if onServer {
  let server = try RunStores.open(path)
  isEmpty = try server.statusCounts().isEmpty
  try server.close()
}
if isEmpty {
  print("making \(RunStores.shown(path)) (1,000 runs × 1,000 epochs)…")
  print(String(format: "  written in %.1f s", try seconds { try makeDatabase(at: path) }))
}
let store = try RunStores.open(path, access: .readOnly)
guard let sweep = try store.sweep()?.id else { throw CocoaError(.fileReadCorruptFile) }
let epochs = try store.select("SELECT COUNT(*) FROM epochs").rows[0][0].number ?? 1
let size =
  onServer
  ? try store.select("SELECT pg_database_size(current_database())").rows[0][0].number ?? 0
  : Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
print(
  String(
    format: "database: %.0f MB, %.0f epochs: %.0f bytes per epoch (its 2 layer rows, and 11 of"
      + " 1,001 epochs with 13.5 KB of weights)", size / 1e6, epochs, size / epochs))

let listing = RunListing(sort: "validation_error", limit: 20)
let query = median(
  try (0..<repetitions).map { _ in try seconds { _ = try listing.run(on: store) } })
print(String(format: "runs listing, query in process: %.1f ms", query * 1000))

let nnlab = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  .deletingLastPathComponent().appendingPathComponent("nnlab").path
let start = try commandTime(nnlab, ["--version"])
var table = [("nnlab --version (process start)", start)]
for command in [
  ["runs", "--sort", "validation_error", "--limit", "20"], ["report", "sweep"],
  ["export", "epochs", "--sweep", "\(sweep)"],
] {
  table.append(("nnlab " + command.joined(separator: " "), try commandTime(nnlab, command)))
}
/// The server's own psql where it is (Debian's /usr/bin/psql is a Perl script that finds it,
/// and starting Perl would be most of its time), else the one on the PATH's usual place.
let psql = [
  (ProcessInfo.processInfo.environment["NNLAB_PG_BIN"] ?? "/usr/lib/postgresql/15/bin") + "/psql",
  "/usr/bin/psql",
].first { FileManager.default.isExecutableFile(atPath: $0) }
let shell = onServer ? psql ?? "/usr/bin/psql" : "/usr/bin/sqlite3"
let peerListing =
  "SELECT id, lambda, learning_rate, final_validation_error FROM runs"
  + " ORDER BY final_validation_error LIMIT 20"
if onServer, FileManager.default.isExecutableFile(atPath: shell) {
  // The URL without its password, which goes in PGPASSWORD.
  let location = try PostgresLocation(url: path)
  if let password = location.password { setenv("PGPASSWORD", password, 1) }
  table.append(
    (
      "psql: the same 20 runs",
      try commandTime(shell, ["-X", "-q", "-d", location.description, "-c", peerListing])
    ))
} else if FileManager.default.isExecutableFile(atPath: shell) {
  table.append(
    ("sqlite3: the same 20 runs", try commandTime(shell, ["-readonly", path, peerListing])))
  let epochs = ExportQuery.epochs.sql(run: nil, sweep: sweep, epoch: nil).sql
    .replacingOccurrences(of: ":sweep", with: "\(sweep)")
  table.append(
    (
      "sqlite3 -csv: the same epochs (15 digits: not exact)",
      try commandTime(shell, ["-readonly", "-csv", "-header", path, epochs])
    ))
}
let width = table.map(\.0.count).max() ?? 0
for (name, time) in table {
  print(
    name.padding(toLength: width, withPad: " ", startingAt: 0)
      + String(format: "  %8.1f ms  %6.1f × process start", time * 1000, time / start))
}
