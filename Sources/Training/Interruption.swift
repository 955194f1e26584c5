import Foundation
import Synchronization

/// Ctrl-C and SIGTERM while training: the runner stops at the next epoch boundary, marks the run
/// `interrupted`, and nothing committed is lost.
public enum Interruption {
  private static let requested = Atomic<Bool>(false)

  /// Catches SIGINT and SIGTERM from now on: a first signal asks the runner to stop. Both are
  /// unblocked too, since a process inherits its parent's blocked signals (a test runner's
  /// worker thread may block them).
  public static func catchSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber) { _ in Interruption.requested.store(true, ordering: .relaxed) }
      sigaddset(&signals, signalNumber)
    }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Whether a stop was asked for.
  public static var isRequested: Bool { requested.load(ordering: .relaxed) }
}
