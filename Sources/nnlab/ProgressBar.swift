import Dispatch
import Training

/// One line of progress on a terminal, redrawn in place: epoch, bar, cost, validation error, ETA.
struct ProgressBar: Sendable {
  let terminal: Terminal
  let enabled: Bool
  private let started = DispatchTime.now().uptimeNanoseconds

  init(terminal: Terminal, enabled: Bool) {
    self.terminal = terminal
    self.enabled = enabled
  }

  func show(_ progress: Runner.Progress) {
    guard enabled else { return }
    let done = progress.epochs == 0 ? 1 : Double(progress.epoch) / Double(progress.epochs)
    let width = 24
    let filled = Int((done * Double(width)).rounded(.down))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let remaining =
      progress.epoch == 0
      ? 0 : elapsed / Double(progress.epoch) * Double(progress.epochs - progress.epoch)
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
