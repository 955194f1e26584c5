import Foundation
import Reports
import ServiceLifecycle
import Synchronization
import Tracking

/// Notices when other processes commit to the database, and tells every open page: each change
/// is a new generation, numbered from 1, which `/events` sends as a server-sent event with the
/// state of each run that is running or has just stopped.
///
/// It never gets in a writer's way. On SQLite it looks at the files only — the database's and
/// its write-ahead log's size and modification time, every `interval` — and takes no lock. On
/// PostgreSQL it asks the server, in one short read-only statement each `interval`, for a
/// fingerprint of the runs table (how many runs, their epochs, their latest heartbeat and end),
/// which every commit of epochs changes. At a change, and only while a page listens, it reads
/// the running runs: one short read of its own, like any page's.
public final class ChangeWatcher: Service, Sendable {
  /// A change as `/events` sends it.
  public struct Change: Sendable, Equatable {
    public let generation: Int
    /// `{"generation": N, "runs": [{"id": …, "state": …, "text": …}]}`.
    public let data: String
  }

  private let look: @Sendable () -> String
  private let states: @Sendable (_ previouslyRunning: Set<Int64>) -> [Run]
  private let interval: Duration
  private let state = Mutex(State())

  private struct State {
    var generation = 0
    var fingerprint: String?
    var latest: Change?
    var running: Set<Int64> = []
    var listeners: [Int: AsyncStream<Change>.Continuation] = [:]
    var nextListener = 0
  }

  /// A watcher of `store`: its files when it is an SQLite file, else the runs table.
  public convenience init(store: any RunStore) {
    let states = { @Sendable (previouslyRunning: Set<Int64>) -> [Run] in
      let running = (try? store.runs(RunQuery(statuses: [.running]))) ?? []
      let stopped = previouslyRunning.subtracting(running.map(\.id))
      guard !stopped.isEmpty else { return running }
      return running + ((try? store.runs(RunQuery(ids: stopped.sorted()))) ?? [])
    }
    if store.dialect == .sqlite, let path = store.path {
      self.init(interval: .milliseconds(100), states: states) {
        [path, path + "-wal"].map { file in
          guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else {
            return "-"
          }
          let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
          let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
          return "\(size)@\(time)"
        }.joined(separator: " ")
      }
    } else {
      self.init(interval: .milliseconds(250), states: states) {
        let fingerprint = try? store.select(
          """
          SELECT count(*), sum(COALESCE(last_epoch, -1)), max(heartbeat_at), max(finished_at),
            max(id) FROM runs
          """)
        return fingerprint.map { "\($0.rows)" } ?? "unreadable"
      }
    }
  }

  /// A watcher that calls `look` every `interval` and counts a change whenever its answer
  /// differs from the one before; `states` gives the runs a change event describes.
  init(
    interval: Duration, states: @escaping @Sendable (Set<Int64>) -> [Run],
    look: @escaping @Sendable () -> String
  ) {
    self.interval = interval
    self.states = states
    self.look = look
  }

  /// The current generation: how many changes were seen since the server started.
  public var generation: Int { state.withLock { $0.generation } }

  /// The latest change, if there was one.
  public var latest: Change? { state.withLock { $0.latest } }

  /// Looks once, and tells the listeners when the database changed since the last look (the
  /// first look only takes its fingerprint).
  private func check() {
    let fingerprint = look()
    let (generation, running, listening) = state.withLock { state -> (Int?, Set<Int64>, Bool) in
      guard state.fingerprint != fingerprint else { return (nil, [], false) }
      let first = state.fingerprint == nil
      state.fingerprint = fingerprint
      if first { return (nil, [], false) }
      state.generation += 1
      return (state.generation, state.running, !state.listeners.isEmpty)
    }
    guard let generation else { return }
    let runs = listening ? states(running) : []
    let change = Change(generation: generation, data: Self.data(generation, runs))
    let listeners = state.withLock { state in
      state.running = Set(runs.filter { $0.status == .running }.map(\.id))
      state.latest = change
      return Array(state.listeners.values)
    }
    for listener in listeners { listener.yield(change) }
  }

  private struct RunState: Encodable {
    let id: Int64
    let state: String
    let text: String
  }

  private struct Payload: Encodable {
    let generation: Int
    let runs: [RunState]
  }

  /// The event's data: the generation and each run's state, as the pages show it.
  private static func data(_ generation: Int, _ runs: [Run]) -> String {
    let payload = Payload(
      generation: generation,
      runs: runs.map { run in
        let (word, text) = DashboardPage.state(of: run)
        return RunState(id: run.id, state: word, text: text)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let encoded = (try? encoder.encode(payload)) ?? Data("{}".utf8)
    return String(decoding: encoded, as: UTF8.self)
  }

  /// The changes from now on, until the caller stops listening or calls `stop`.
  public func changes() -> (stream: AsyncStream<Change>, stop: @Sendable () -> Void) {
    let (stream, continuation) = AsyncStream.makeStream(
      of: Change.self, bufferingPolicy: .bufferingNewest(16))
    let id = state.withLock { state in
      state.nextListener += 1
      state.listeners[state.nextListener] = continuation
      return state.nextListener
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
    }
    return (stream, { continuation.finish() })
  }

  /// Looks every `interval` until the server stops; the store's calls block, so they run on a
  /// thread of their own, never on Swift's cooperative pool.
  public func run() async throws {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
          self.check()
          done.resume()
        }
      }
      try? await Task.sleep(for: interval)
    }
    state.withLock { state in
      for listener in state.listeners.values { listener.finish() }
    }
  }
}
