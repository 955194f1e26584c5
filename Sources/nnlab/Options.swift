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
    name: .customLong("db"), help: "The database file (default: $NNLAB_DB, else ./nnlab.sqlite).")
  var explicitPath: String?

  /// --db, else NNLAB_DB, else ./nnlab.sqlite.
  var path: String {
    explicitPath ?? ProcessInfo.processInfo.environment["NNLAB_DB"].flatMap {
      $0.isEmpty ? nil : $0
    }
      ?? Self.defaultPath
  }

  func validate() throws {
    if let explicitPath, explicitPath.isEmpty || explicitPath == ":memory:" {
      throw ValidationError("--db needs a file name, got '\(explicitPath)'")
    }
    // Before the command reads or writes anything.
    if case .failure(let error) = RunDatabase.configuredBusyTimeout {
      throw ValidationError(error.description)
    }
  }

  /// Opens the database; see `RunStores.open`.
  func open(_ access: DatabaseAccess = .readWrite) throws -> any RunStore {
    try RunStores.open(path, access: access)
  }

  /// Opens the database read-only for the report catalog, which needs the current schema.
  func openForReports() throws -> any RunStore {
    let store = try open(.readOnly)
    try store.requireCurrentSchema()
    return store
  }
}
