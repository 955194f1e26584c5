import Foundation
import PostgresNIO

/// The bridge between nnlab's synchronous storage API and PostgresNIO's async one: a
/// `PostgresClient` (a pool of connections) run for the store's lifetime, and `wait`, which
/// runs an async call to its end from a thread that may block.
///
/// The calls run on an executor of their own (`BridgeExecutor`), never on Swift's cooperative
/// pool, whose few threads may be the very ones blocked waiting for them.
final class PostgresSession: Sendable {
  let location: PostgresLocation
  let client: PostgresClient
  /// How long a connection may take to come, before a call fails as unreachable.
  let connectTimeout: Duration
  private let running: Task<Void, Never>
  private static let executor = BridgeExecutor()

  init(location: PostgresLocation) {
    let connectTimeout = location.connectTimeout
    var configuration = PostgresClient.Configuration(
      host: location.host, port: location.port, username: location.user,
      password: location.password, database: location.database,
      tls: Self.tls(location.tls))
    configuration.options.connectTimeout = connectTimeout
    configuration.options.maximumConnections = 4
    configuration.options.keepAliveBehavior = nil
    // A session cut off inside a transaction would keep its locks (the run it was writing)
    // until TCP gives up, hours later; the server ends it well before its lease ends instead.
    configuration.options.additionalStartupParameters = [
      ("idle_in_transaction_session_timeout", "\(Int(max(0.5, Lease.seconds / 2) * 1000))")
    ]
    let client = PostgresClient(configuration: configuration)
    self.location = location
    self.client = client
    self.connectTimeout = connectTimeout
    running = Task(executorPreference: Self.executor) { await client.run() }
  }

  private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
    var configuration = TLSConfiguration.makeClientConfiguration()
    // sslmode=require encrypts without checking the certificate, as libpq's does.
    configuration.certificateVerification = .none
    switch mode {
    case .disable: return .disable
    case .prefer: return .prefer(configuration)
    case .require: return .require(configuration)
    }
  }

  /// Connects once, directly, and closes: the pool keeps retrying a connection that fails, so
  /// this is how a server that refuses (no such host, a wrong password, no such database) is
  /// told apart from one that is slow, at once and with the server's reason.
  func probe() throws {
    let location = location
    var configuration = PostgresConnection.Configuration(
      host: location.host, port: location.port, username: location.user,
      password: location.password, database: location.database,
      tls: try Self.connectionTLS(location.tls))
    configuration.options.connectTimeout = .milliseconds(
      Int64(
        connectTimeout.components.seconds * 1000
          + connectTimeout.components.attoseconds / 1_000_000_000_000_000))
    try Self.block { [configuration] in
      let connection = try await PostgresConnection.connect(
        configuration: configuration, id: 0, logger: PostgresRunStore.logger)
      try await connection.close()
    }
  }

  private static func connectionTLS(
    _ mode: PostgresLocation.TLSMode
  ) throws -> PostgresConnection.Configuration.TLS {
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.certificateVerification = .none
    switch mode {
    case .disable: return .disable
    case .prefer: return .prefer(try NIOSSLContext(configuration: configuration))
    case .require: return .require(try NIOSSLContext(configuration: configuration))
    }
  }

  /// Runs `body` with a connection of the pool and waits for its end. A connection that does
  /// not come within `connectTimeout` fails the call (`PostgresFailure.unreachable`), and so
  /// does a call that has not ended after `stallAfter` seconds (`.stalled`: PostgresNIO 1.33
  /// never answers a statement sent as its connection closes, as when the server restarts).
  func wait<T: Sendable>(
    stallAfter: TimeInterval? = nil,
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
  ) throws -> T {
    let client = client
    let timeout = connectTimeout
    return try Self.block(stallAfter: stallAfter) {
      let leased = Flag()
      return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
          try await client.withConnection { connection in
            leased.set()
            return try await body(connection)
          }
        }
        group.addTask {
          try await Task.sleep(for: timeout)
          if leased.isSet { return nil }
          throw PostgresFailure.unreachable
        }
        while let result = try await group.next() {
          if let result {
            group.cancelAll()
            return result
          }
        }
        throw PostgresFailure.unreachable
      }
    }
  }

  /// Runs `body` on the bridge's executor and blocks this thread until it ends, or until
  /// `stallAfter` seconds have passed: the call is then abandoned (`PostgresFailure.stalled`).
  static func block<T: Sendable>(
    stallAfter: TimeInterval? = nil, _ body: @escaping @Sendable () async throws -> T
  ) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    let task = Task(executorPreference: executor) {
      do {
        outcome.result = .success(try await body())
      } catch {
        outcome.result = .failure(error)
      }
      done.signal()
    }
    if let stallAfter, done.wait(timeout: .now() + stallAfter) == .timedOut {
      task.cancel()
      throw PostgresFailure.stalled
    }
    if stallAfter == nil { done.wait() }
    return try outcome.result!.get()
  }

  /// Stops the pool, which closes its connections as it winds down. Not waited for: the
  /// pool's shutdown runs partly on Swift's cooperative pool, whose threads may be the ones
  /// blocked in calls like this one (two tests closing stores at once deadlocked so).
  func close() {
    running.cancel()
  }
}

/// Why a call to the server failed before it could run.
enum PostgresFailure: Error {
  /// No connection came within the connect timeout.
  case unreachable
  /// A call did not end in its time: its connection is taken for lost.
  case stalled
  /// The connection had closed before a statement could be sent.
  case closed
}

/// Runs jobs on a serial dispatch queue of its own: work that only awaits I/O, never blocks.
private final class BridgeExecutor: TaskExecutor {
  private let queue = DispatchQueue(label: "nnlab.postgres")

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}

/// A result handed from the bridge's task to the blocked thread (the semaphore orders the two).
private final class Outcome<T>: @unchecked Sendable {
  var result: Result<T, any Error>?
}

/// A flag set once by one task and read by another.
private final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}
