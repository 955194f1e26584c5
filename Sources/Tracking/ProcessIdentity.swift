import Foundation

/// Which process works on a run: the host name and the process id, as `runs.host` and
/// `runs.pid` record them.
public struct ProcessIdentity: Sendable, Equatable {
  public var host: String
  public var pid: Int

  public init(host: String, pid: Int) {
    self.host = host
    self.pid = pid
  }

  /// This process.
  public static var current: ProcessIdentity {
    ProcessIdentity(
      host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier))
  }

  /// Whether a process with this id runs on this machine (`kill(pid, 0)` finds it, or it
  /// exists but belongs to another user), and is not a zombie: a process killed whose parent
  /// died too waits as one until something reaps it, and can write nothing.
  public static func isAlive(pid: Int) -> Bool {
    guard pid > 0, let processID = pid_t(exactly: pid) else { return false }
    guard kill(processID, 0) == 0 || errno == EPERM else { return false }
    // Linux: the state is the field after the command's closing parenthesis in /proc/N/stat.
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
  }

  /// Whether the process a run records (`host`, `pid`) is known to be gone: it ran on `here`,
  /// this machine, and `isAlive` does not find it. Another machine's cannot be checked.
  public static func isGone(
    host: String?, pid: Int?, here: String = current.host,
    isAlive: (Int) -> Bool = isAlive
  ) -> Bool {
    guard host == here, let pid else { return false }
    return !isAlive(pid)
  }
}
