import ArgumentParser
import Foundation
import Tracking

/// `nnlab rm RUN… | --sweep N`: deletes runs with everything recorded of them.
struct Rm: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Delete runs (or a sweep with its runs) and their series; asks first.",
    discussion: "The file keeps its size until 'nnlab db vacuum' gives the space back.")

  @Argument(help: "The runs' ids.")
  var runIDs: [Int64] = []

  @Option(parsing: .unconditional, help: "Delete this sweep and all its runs.")
  var sweep: Int64?

  @Flag(name: [.customLong("yes"), .customShort("y")], help: "Delete without asking.")
  var yes = false

  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    guard runIDs.isEmpty != (sweep == nil) else {
      throw ValidationError("give the runs' ids or --sweep N (not both)")
    }
  }

  func run() throws {
    // Read-only until the answer is yes: a refusal leaves the file as it was.
    let store = try database.open(.readOnly)
    let runs: [Run]
    if let sweep {
      _ = try store.existingSweep(sweep)
      runs = try store.runs(RunQuery(sweep: sweep))
    } else {
      runs = try runIDs.map(store.run)
    }
    // A run another process is training would fail at its next epoch: stop it first.
    if let busy = runs.first(where: { $0.status == .running && !$0.isStale() }) {
      throw CommandFailure(
        message:
          "run \(busy.id) is running (process \(busy.pid.map(String.init) ?? "?") on \(busy.host ?? "?")): stop it first",
        exitCode: .usage)
    }
    let epochs = runs.reduce(0) { $0 + ($1.lastEpoch.map { $0 + 1 } ?? 0) }
    let what =
      (sweep.map { "sweep \($0) with " } ?? "")
      + "\(runs.count) run\(runs.count == 1 ? "" : "s") (\(epochs) epochs)"
    guard try yes || confirm("delete \(what)? [y/N] ") else {
      Terminal.standardError.write("nothing deleted\n")
      throw ExitCode.failure
    }
    let writable = try database.open(.existing)
    if let sweep {
      try writable.deleteSweep(sweep)
    } else {
      try writable.deleteRuns(runs.map(\.id))
    }
    print("deleted \(what); 'nnlab db vacuum' gives the space back")
  }

  /// Asks on the terminal; without one there is no one to answer.
  private func confirm(_ question: String) throws -> Bool {
    guard isatty(STDIN_FILENO) == 1 else {
      throw CommandFailure(
        message: "rm asks before deleting, and there is no terminal to ask on: give --yes",
        exitCode: .usage)
    }
    Terminal.standardError.write(question)
    return readLine().map { ["y", "yes"].contains($0.lowercased()) } ?? false
  }
}
