/// How a run ended.
public enum RunOutcome: Sendable, Equatable {
  /// All planned epochs were recorded.
  case finished
  /// The validation error had not improved for the run's patience: it ends `finished` at `epoch`.
  case stoppedEarly(epoch: Int)
  /// Training stopped on an error, with its message.
  case failed(String)
  /// Descent could not go on at `epoch`; `reason` says why ("the cost is nan").
  case diverged(epoch: Int, reason: String)
  /// The process was stopped or died.
  case interrupted(String?)

  var status: RunStatus {
    switch self {
    case .finished, .stoppedEarly: .finished
    case .failed: .failed
    case .diverged: .diverged
    case .interrupted: .interrupted
    }
  }

  var error: String? {
    switch self {
    case .finished, .stoppedEarly: nil
    case .failed(let message): message
    case .diverged(let epoch, let reason): "diverged at epoch \(epoch): \(reason)"
    case .interrupted(let message): message
    }
  }
}
