import Foundation
import Reports
import ServiceLifecycle
import Synchronization
import Tracking

/// Notices when other processes commit to the database, and tells every open page: each change
/// is a new generation, numbered from 1, which `/events` sends as a server-sent event `change`
/// with the state of each run that is running or has just stopped. It also paces the pages'
/// drawing: an event `redraw` says when pages are worth fetching again — at the first change
/// after a quiet `redrawInterval`, else once each `redrawInterval` while changes come — and
/// pages are drawn once a redraw (`drawn`), so fifty open pages cost one drawing each time.
///
/// It never gets in a writer's way. On SQLite it looks at the files only — the database's and
/// its write-ahead log's size and modification time, every `interval` — and takes no lock. On
/// PostgreSQL it asks the server, in one short read-only statement each `interval`, for a
/// fingerprint of the runs table (how many runs, their epochs, their latest heartbeat and end),
/// which every commit of epochs changes. At a change, and only while a page listens, it reads
/// the running runs: one short read of its own, like any page's.
public final class ChangeWatcher: Service, Sendable {
  /// An event as `/events` sends it.
  public struct Event: Sendable, Equatable {
    public enum Kind: String, Sendable {
      /// The database changed; the data says the states of the runs running or just stopped.
      case change
      /// Pages are drawn anew from now on.
      case redraw
    }
    public let kind: Kind
    public let generation: Int
    /// `{"generation": N, "runs": [{"id": …, "state": …, "text": …}]}`; for a redraw,
    /// `{"generation": N}`.
    public let data: String
  }

  /// The fewest seconds between two redraws while the database keeps changing: a page costs the
  /// server a drawing, while a run's state comes with each change.
  public static let redrawInterval = Duration.seconds(3)

  private let look: @Sendable () -> String
  private let states: @Sendable (_ previouslyRunning: Set<Int64>) -> [Run]
  private let interval: Duration
  private let state = Mutex(State())

  private struct State {
    var generation = 0
    var drawn = 0
    var drawnAt: ContinuousClock.Instant?
    var fingerprint: String?
    var latest: Event?
    var running: Set<Int64> = []
    var listeners: [Int: AsyncStream<Event>.Continuation] = [:]
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

  /// The generation pages are drawn for: the latest redraw's.
  public var drawn: Int { state.withLock { $0.drawn } }

  /// The latest change, and the latest redraw, if there were any.
  public var latest: (change: Event?, redraw: Event?) {
    state.withLock { state in
      (state.latest, state.drawn > 0 ? Self.redraw(state.drawn) : nil)
    }
  }

  /// Looks once, and tells the listeners when the database changed since the last look (the
  /// first look only takes its fingerprint), and when pages are to be drawn anew.
  func check(at now: ContinuousClock.Instant = .now) {
    let fingerprint = look()
    let (generation, running, listening) = state.withLock { state -> (Int?, Set<Int64>, Bool) in
      guard state.fingerprint != fingerprint else { return (nil, [], false) }
      let first = state.fingerprint == nil
      state.fingerprint = fingerprint
      if first { return (nil, [], false) }
      state.generation += 1
      return (state.generation, state.running, !state.listeners.isEmpty)
    }
    let runs = generation != nil && listening ? states(running) : []
    let (events, listeners) = state.withLock {
      state -> ([Event], [AsyncStream<Event>.Continuation]) in
      var events: [Event] = []
      if let generation {
        state.running = Set(runs.filter { $0.status == .running }.map(\.id))
        let change = Event(kind: .change, generation: generation, data: Self.data(generation, runs))
        state.latest = change
        events.append(change)
      }
      if state.generation > state.drawn,
        state.drawnAt.map({ now - $0 >= Self.redrawInterval }) ?? true
      {
        state.drawn = state.generation
        state.drawnAt = now
        events.append(Self.redraw(state.drawn))
      }
      return (events, Array(state.listeners.values))
    }
    for event in events {
      for listener in listeners { listener.yield(event) }
    }
  }

  private static func redraw(_ generation: Int) -> Event {
    Event(kind: .redraw, generation: generation, data: "{\"generation\":\(generation)}")
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

  /// The events from now on, until the caller stops listening or calls `stop`.
  public func events() -> (stream: AsyncStream<Event>, stop: @Sendable () -> Void) {
    let (stream, continuation) = AsyncStream.makeStream(
      of: Event.self, bufferingPolicy: .bufferingNewest(16))
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
