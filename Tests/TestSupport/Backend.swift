import Foundation
import Testing
import Tracking

/// The storage backends a test runs on.
public enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
  case sqlite, postgresql

  public var testDescription: String { rawValue }

  /// The server the PostgreSQL tests use: `NNLAB_TEST_POSTGRES`, the URL `bash bench/postgres.sh
  /// start` prints (`.ci/run` sets it).
  public static let postgresURL = ProcessInfo.processInfo.environment["NNLAB_TEST_POSTGRES"]
    .flatMap { $0.isEmpty ? nil : $0 }

  /// The backends the storage tests run on: SQLite, and PostgreSQL where a server is named.
  /// Without one the PostgreSQL cases are left out, with one line saying how to start it —
  /// except in CI (`CI` set), where they run and fail.
  public static let tested: [Backend] = {
    if postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil {
      return [.sqlite, .postgresql]
    }
    FileHandle.standardError.write(
      Data(
        "note: PostgreSQL tests skipped: start a server with 'export NNLAB_TEST_POSTGRES=$(bash bench/postgres.sh start)'\n"
          .utf8))
    return [.sqlite]
  }()

  /// Only PostgreSQL, where it is tested.
  public static let postgresOnly = tested.filter { $0 == .postgresql }

  /// A new, empty database of this backend: an SQLite file in `folder`, or a PostgreSQL
  /// database made on the test server for this test alone. Returns where it is, for
  /// `RunStores.open`.
  public func newDatabase(in folder: URL) throws -> String {
    switch self {
    case .sqlite:
      return folder.appendingPathComponent("runs-\(UUID().uuidString.prefix(8)).sqlite").path
    case .postgresql:
      return try Self.newPostgresDatabase()
    }
  }

  /// A new database on the test server, by `psql`; its URL.
  public static func newPostgresDatabase() throws -> String {
    guard let url = postgresURL, var components = URLComponents(string: url) else {
      throw BackendError(
        "NNLAB_TEST_POSTGRES is not set: export NNLAB_TEST_POSTGRES=$(bash bench/postgres.sh start)"
      )
    }
    let name =
      "nnlab_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    try psql(url, "CREATE DATABASE \(name)")
    components.path = "/" + name
    return components.string ?? url
  }

  /// Runs `sql` through `psql` on the database at `url`; returns what it printed.
  @discardableResult
  public static func psql(_ url: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BackendError("psql failed on: \(sql)") }
    return text
  }
}

public struct BackendError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

extension Backend {
  /// A new, empty store of this backend for `process`: SQLite in memory, or a new PostgreSQL
  /// database on the test server.
  public func newStore(as process: ProcessIdentity = .current) throws -> any RunStore {
    switch self {
    case .sqlite: try RunDatabase.inMemory(as: process)
    case .postgresql: try RunStores.open(try Self.newPostgresDatabase(), as: process)
    }
  }
}
