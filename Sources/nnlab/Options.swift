import ArgumentParser
import Backprop
import Foundation
import Tracking

extension Activation: ExpressibleByArgument {}
extension Cost: ExpressibleByArgument {}
extension Backpropagation: ExpressibleByArgument {}
extension GradientMistake: ExpressibleByArgument {}

/// The options that make a network and its objective, shared by `trace` and `gradcheck`.
struct ModelOptions: ParsableArguments {
  @Option(help: "Activation of the hidden layers (the output layer is the sigmoid).")
  var activation: Activation = .sigmoid

  @Option(help: "Cost function.")
  var cost: Cost = .crossEntropy

  @Option(
    name: .customLong("lambda"), parsing: .unconditional, help: "Regularization strength λ ≥ 0.")
  var lambda: Double = 0

  @Option(parsing: .unconditional, help: "Seed of the initial weights and of the made-up examples.")
  var seed: UInt64 = 1

  func validate() throws {
    guard lambda.isFinite, lambda >= 0 else {
      throw ValidationError("--lambda must be a finite number ≥ 0, got \(lambda)")
    }
  }

  /// The objective (cost and λ) these options name.
  func objective() throws -> Objective { try Objective(cost: cost, lambda: lambda) }
}

/// Parses an architecture argument, with the library's message when it is wrong.
func parseArchitecture(_ text: String) throws -> Architecture {
  do {
    return try Architecture(parsing: text)
  } catch let error as BackpropError {
    throw ValidationError(error.description)
  }
}

/// `--db PATH`, shared by every command that reads or writes runs.
struct DatabaseOptions: ParsableArguments {
  /// The database when neither --db nor NNLAB_DB names one.
  static let defaultPath = "nnlab.sqlite"

  @Option(
    name: .customLong("db"),
    help: ArgumentHelp(
      "The database: an SQLite file, or a PostgreSQL URL (default: $NNLAB_DB, else ./nnlab.sqlite).",
      valueName: "path-or-url"))
  var explicitPath: String?

  /// --db, else NNLAB_DB, else ./nnlab.sqlite.
  var path: String {
    explicitPath ?? ProcessInfo.processInfo.environment["NNLAB_DB"].flatMap {
      $0.isEmpty ? nil : $0
    }
      ?? Self.defaultPath
  }

  /// `path` as it may be shown: a PostgreSQL URL without its password.
  var shown: String { RunStores.shown(path) }

  func validate() throws {
    if let explicitPath, explicitPath.isEmpty || explicitPath == ":memory:" {
      throw ValidationError("--db needs a file name or a PostgreSQL URL, got '\(explicitPath)'")
    }
    // Before the command reads or writes anything.
    do {
      try RunStores.checkSettings()
    } catch let error as TrackingError {
      throw ValidationError(error.description)
    }
  }

  /// Opens the database; see `RunStores.open`. A command that trains (`training`) rides out
  /// a lost connection to a PostgreSQL server for as long as its lease (a server restarting);
  /// others give up after the connect timeout.
  func open(_ access: DatabaseAccess = .readWrite, training: Bool = false) throws -> any RunStore {
    try RunStores.open(path, access: access, reconnectingFor: training ? Lease.seconds : nil)
  }

  /// Opens the database read-only for the report catalog, which needs the current schema.
  func openForReports() throws -> any RunStore {
    let store = try open(.readOnly)
    try store.requireCurrentSchema()
    return store
  }
}
