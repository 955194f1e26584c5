import Foundation
import Testing
import Tracking

/// What the fault suite shares: how hard it pushes, and the checks that nothing committed was
/// lost. `swift test` runs a few rounds of each fault; `bench/faults.sh` sets
/// `NNLAB_FAULT_ROUNDS=20` and `NNLAB_FAULT_RUNS=200` for the long run. Each test prints one
/// `fault:` line with its figures.
enum Faults {
  static let rounds = setting("NNLAB_FAULT_ROUNDS", 3)
  /// Runs of the load test's sweep.
  static let loadRuns = setting("NNLAB_FAULT_RUNS", 40)

  private static func setting(_ name: String, _ value: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init).map { max(1, $0) } ?? value
  }

  /// Prints one line of figures, for bench/faults.sh to collect.
  static func report(_ line: String) {
    print("fault: \(line)")
  }

  /// Each epoch of `run` committed in `database`, with its count of layer rows and of weight
  /// snapshots (one per layer when it has any), read in one statement: one snapshot of the file.
  static func epochs(of run: Int64, in database: String) throws -> [(
    epoch: Int, layers: Int, snapshots: Int
  )] {
    let store = try RunDatabase.open(path: database, access: .readOnly)
    let result = try store.select(
      """
      SELECT e.epoch,
        (SELECT count(*) FROM layer_epochs l WHERE l.run_id = e.run_id AND l.epoch = e.epoch),
        (SELECT count(*) FROM weight_snapshots w WHERE w.run_id = e.run_id AND w.epoch = e.epoch)
      FROM epochs e WHERE e.run_id = :run ORDER BY e.epoch
      """, parameters: ["run": .integer(run)])
    return result.rows.map { row in
      (Int(row[0].number ?? -1), Int(row[1].number ?? -1), Int(row[2].number ?? -1))
    }
  }

  /// What is wrong with the committed epochs of `run`, recorded with a snapshot every epoch: a
  /// gap in 0…last, an epoch without its `layers` layer rows or snapshots; and the file's own
  /// check (`nnlab db check`). Empty when all is whole.
  static func problems(of run: Int64, in database: String, layers: Int) throws -> [String] {
    var problems: [String] = []
    let check = try CommandRunner.run(["db", "check", "--db", database])
    if check.status != 0 { problems.append("db check: \(check.standardError)") }
    for (index, row) in try epochs(of: run, in: database).enumerated() {
      if row.epoch != index { problems.append("run \(run): epoch \(index) missing") }
      if row.layers != layers || row.snapshots != layers {
        problems.append(
          "run \(run), epoch \(row.epoch): \(row.layers) layer rows, \(row.snapshots) snapshots")
      }
    }
    return problems
  }

  /// The status each run shows in `nnlab runs --json`, by id.
  static func statuses(in database: String) throws -> [Int64: String] {
    let listing = try CommandRunner.run(["runs", "--json", "--db", database])
    let rows =
      try JSONSerialization.jsonObject(with: Data(listing.standardOutput.utf8)) as? [[String: Any]]
    var statuses: [Int64: String] = [:]
    for row in rows ?? [] {
      if let id = row["id"] as? Int, let status = row["status"] as? String {
        statuses[Int64(id)] = status
      }
    }
    return statuses
  }

  /// The last weight snapshot of each run, as bits.
  static func finalWeights(of runs: [Int64], in database: String) throws -> [[[UInt64]]] {
    let store = try RunDatabase.open(path: database, access: .readOnly)
    return try runs.map { run in
      try store.snapshot(of: run).map { try $0.values().map(\.bitPattern) }
    }
  }

  /// `pid` and every process below it, found through /proc while `pid` is stopped (SIGSTOP),
  /// so none is spawned meanwhile; then all are SIGKILLed. Returns those below `pid`.
  @discardableResult
  static func killTree(_ pid: pid_t) -> [pid_t] {
    kill(pid, SIGSTOP)
    var tree = [pid]
    var index = 0
    while index < tree.count {
      tree += children(of: tree[index])
      index += 1
    }
    for member in tree { kill(member, SIGKILL) }
    return Array(tree.dropFirst())
  }

  /// The processes whose parent is `pid` (field 4 of /proc/N/stat).
  static func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
      guard let child = pid_t(entry),
        let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
    }
  }

  /// The peak resident memory of `pid` so far in kB (VmHWM of /proc/N/status), or nil once it
  /// is gone.
  static func peakKilobytes(of pid: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return nil }
    return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
  }
}
