import Dispatch
import Synchronization
import Training

/// One line of progress on a terminal, redrawn in place (at most ten times a second, and at
/// the last epoch): epoch, bar, cost, validation error, ETA.
final class ProgressBar: Sendable {
  let terminal: Terminal
  let enabled: Bool
  private let started = DispatchTime.now().uptimeNanoseconds
  private let lastDrawn = Atomic<UInt64>(0)
  /// The first epoch shown (a resumed run starts past 0), for the ETA.
  private let firstEpoch = Atomic<Int>(-1)

  init(terminal: Terminal, enabled: Bool) {
    self.terminal = terminal
    self.enabled = enabled
  }

  func show(_ progress: Runner.Progress) {
    _ = firstEpoch.compareExchange(expected: -1, desired: progress.epoch, ordering: .relaxed)
    let now = DispatchTime.now().uptimeNanoseconds
    guard enabled,
      progress.epoch == progress.epochs || now - lastDrawn.load(ordering: .relaxed) > 100_000_000
    else { return }
    lastDrawn.store(now, ordering: .relaxed)
    let done = progress.epochs == 0 ? 1 : Double(progress.epoch) / Double(progress.epochs)
    let width = 24
    let filled = Int((done * Double(width)).rounded(.down))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    let elapsed = Double(now - started) / 1e9
    let epochsDone = progress.epoch - firstEpoch.load(ordering: .relaxed)
    let remaining =
      epochsDone <= 0 ? 0 : elapsed / Double(epochsDone) * Double(progress.epochs - progress.epoch)
    let validation = progress.validationError.map { "  validation \(Formatting.compact($0))" } ?? ""
    terminal.write(
      "\r\u{1B}[K run \(progress.run)  epoch \(progress.epoch)/\(progress.epochs) \(bar)  cost \(Formatting.compact(progress.cost))"
        + "\(validation)  ETA \(Int(remaining.rounded()))s")
  }

  /// Removes the line.
  func clear() {
    if enabled { terminal.write("\r\u{1B}[K") }
  }
}
