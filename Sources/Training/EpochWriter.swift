import Dispatch
import Synchronization
import Tracking

/// Writes a run's epochs off the training loop: the loop hands each epoch over and goes on to
/// the next while a queue of its own writes them. A write begins the store's `gathering` after
/// the first epoch waiting (at once when `batch` are waiting), and the epochs waiting then go
/// in one transaction, each of them whole: a small network's epochs, a millisecond each, share
/// their pages and their commit instead of paying for one each, and on a server they share the
/// round trips. Epochs that came during a write wait out a `gathering` of their own, unless
/// `batch` did. At most `limit` epochs wait; beyond that the loop waits for the writer. A crash
/// loses only epochs not yet committed (docs/design.md, "Storage"): those of the last
/// `gathering` and the write under way, or, when the disk is slower than training, the epochs
/// waiting.
final class EpochWriter: Sendable {
  /// The most bytes of weight snapshots that may wait, unless `limits.lowerBound` epochs of
  /// them are more (epochs between snapshots hold none, and count as if they did).
  static let snapshotBytes = 16 << 20
  /// The fewest and the most epochs that may wait.
  static let limits = 32...128

  /// Epochs that may wait to be written before the loop waits for the writer: as many as
  /// `snapshotBytes` of weight snapshots, within `limits`. A `digits` network's (15 KB an
  /// epoch) is 128, so that its epochs, under a millisecond each, are written a `gathering` of
  /// them to a transaction, not 16; a 784-128-10 network's (0.8 MB) is 32.
  let limit: Int
  /// Epochs waiting at which a write begins without waiting out `gathering`.
  var batch: Int { limit / 2 }

  private struct State: Sendable {
    var waiting: [EpochRecord] = []
    /// Whether a timed write is due for the epochs waiting (the first of them scheduled it).
    var scheduled = false
    /// The number of the timed write that is due. One scheduled earlier, whose epochs another
    /// write took, finds `scheduled` false or another number, and does nothing.
    var timer = 0
    /// The first write that failed; nothing is written after it.
    var failure: TrackingError?

    /// Schedules a timed write; returns its number.
    mutating func schedule() -> Int {
      scheduled = true
      timer += 1
      return timer
    }
  }

  /// Why the queue writes: a timed write's number, a full `batch`, or `finish`.
  private enum Trigger {
    case timer(Int)
    case batch
    case finish
  }

  private let database: any RunStore
  private let run: Int64
  /// How long the first epoch waiting waits for others to join its transaction.
  private let gathering: DispatchTimeInterval
  private let queue = DispatchQueue(label: "nnlab.epochs")
  private let state = Mutex(State())
  private let room: DispatchSemaphore

  /// A writer for `run`, whose network has `weightCount` weights (Θ's entries, biases
  /// included).
  init(database: any RunStore, run: Int64, weightCount: Int) {
    self.database = database
    self.run = run
    let (seconds, attoseconds) = database.gathering.components
    gathering = .microseconds(Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000))
    let epochs = Self.snapshotBytes / max(1, weightCount * MemoryLayout<Double>.stride)
    limit = min(max(epochs, Self.limits.lowerBound), Self.limits.upperBound)
    room = DispatchSemaphore(value: limit)
  }

  /// Hands `record` over to be written, once it is checked here (a NaN, say): a bad epoch is
  /// refused alone, and the epochs before it are still written.
  /// - Throws: the `TrackingError` of `record`'s check, or of an earlier write that failed.
  func write(_ record: EpochRecord) throws {
    try record.validate(run: run)
    try throwFailure()
    room.wait()
    let (timer, full) = state.withLock { state in
      state.waiting.append(record)
      return (state.scheduled ? nil : state.schedule(), state.waiting.count == batch)
    }
    if let timer { schedule(timer) }
    if full { queue.async { self.writeWaiting(.batch) } }
  }

  /// Writes every epoch handed over, now, and waits until they are written.
  /// - Throws: the `TrackingError` of a write that failed.
  func finish() throws {
    queue.sync { writeWaiting(.finish) }
    try throwFailure()
  }

  /// The timed write numbered `timer`, `gathering` from now. Weakly: a write still scheduled
  /// after `finish` must not keep the database open.
  private func schedule(_ timer: Int) {
    queue.asyncAfter(deadline: .now() + gathering) { [weak self] in
      self?.writeWaiting(.timer(timer))
    }
  }

  private func throwFailure() throws {
    if let failure = state.withLock({ $0.failure }) { throw failure }
  }

  /// Writes the epochs waiting when `trigger` still calls for them, then again while `batch`
  /// or more came meanwhile (or any did, for `finish`); fewer wait out the timed write their
  /// first one scheduled.
  private func writeWaiting(_ trigger: Trigger) {
    var trigger = trigger
    while true {
      let (epochs, failed) = state.withLock { state in
        let due =
          switch trigger {
          case .finish: true
          case .timer(let number): state.scheduled && number == state.timer
          case .batch: state.waiting.count >= batch
          }
        guard due else { return ([EpochRecord](), false) }
        state.scheduled = false
        defer { state.waiting = [] }
        return (state.waiting, state.failure != nil)
      }
      guard !epochs.isEmpty else { return }
      if !failed {
        do {
          try database.recordEpochs(epochs, of: run)
        } catch {
          let failure = TrackingError.whileRecording(
            error as? TrackingError ?? .unusable(path: database.path ?? "", reason: "\(error)"),
            epoch: epochs[0].epoch, run: run)
          state.withLock { $0.failure = failure }
        }
      }
      for _ in epochs { room.signal() }
      if case .timer = trigger { trigger = .batch }
    }
  }
}
