/// What can go wrong between nnlab and its database, each case one line that names the
/// database or the value and says what to do.
public enum TrackingError: Error, Equatable, CustomStringConvertible {
  /// The database file does not exist (and was not to be created).
  case missingDatabase(path: String)
  /// The file is not SQLite, or SQLite that nnlab did not write.
  case notAnNNLabDatabase(path: String)
  /// The database has migrations this build does not know.
  case newerDatabase(path: String, unknownMigrations: [String])
  /// The database lacks migrations this build has (a query needs the current schema).
  case olderDatabase(path: String, missingMigrations: [String])
  /// The file is SQLite, but damaged (a truncated file, a page of garbage).
  case damaged(path: String, reason: String)
  /// Another process held the database's lock for longer than the busy timeout.
  case locked(path: String)
  /// SQLite could not read or write the file, or the server refused (a wrong password, no
  /// such database).
  case unusable(path: String, reason: String)
  /// The connection to a database server broke, or never came (the server restarting, a
  /// link cut); a store tries again for a while before it reports this.
  case connectionLost(path: String, reason: String)
  /// Epochs of a run may be recorded only by the process that holds it.
  case runHeldElsewhere(Int64, host: String?, pid: Int?)
  /// A NaN or infinite number on its way into a REAL column (SQLite would store NULL).
  case nonFiniteValue(String)
  /// A value outside what its column allows.
  case invalidValue(String)
  /// An environment variable nnlab reads holds a value it cannot use (the message names it).
  case invalidSetting(String)
  /// No run has this id.
  case runNotFound(Int64)
  /// No sweep has this id.
  case sweepNotFound(Int64)
  /// A query given as SQL that would do more than read (the reason names what).
  case refusedQuery(String)
  /// A query given as SQL that SQLite cannot run as it is.
  case invalidQuery(String)
  /// A query given as SQL that worked longer than its time limit (`QueryLimits.seconds`).
  case queryTimedOut(path: String, seconds: Double)
  /// A query given as SQL that needed more memory than its limit (`QueryLimits.bytes`).
  case queryOutOfMemory(path: String, bytes: Int64)
  /// Epochs may be recorded only for a run in status `running`.
  case runNotRunning(Int64, status: RunStatus)
  /// `error`, met while writing epochs of a run from `epoch` on.
  indirect case whileRecording(TrackingError, epoch: Int, run: Int64)

  /// The error itself, without the epoch it was met at.
  public var cause: TrackingError {
    if case .whileRecording(let error, _, _) = self { error.cause } else { self }
  }

  /// Whether the connection to a server is what failed: the call may succeed when tried again.
  var isLostConnection: Bool {
    if case .connectionLost = self { true } else { false }
  }

  public var description: String {
    switch self {
    case .missingDatabase(let path):
      "\(path): no such database"
    case .notAnNNLabDatabase(let path):
      "\(path) is not an nnlab database"
    case .newerDatabase(let path, let unknown):
      "\(path) was written by a newer nnlab (unknown migration\(unknown.count == 1 ? "" : "s")"
        + " \(unknown.joined(separator: ", "))); upgrade nnlab"
    case .olderDatabase(let path, let missing):
      "\(path) was written by an older nnlab (migration\(missing.count == 1 ? "" : "s")"
        + " \(missing.joined(separator: ", ")) not applied)"
    case .damaged(let path, let reason):
      "\(path) is damaged (\(reason))"
    case .locked(let path):
      "\(path): locked by another process for more than"
        + " \(String(format: "%g", RunDatabase.busyTimeout)) second\(RunDatabase.busyTimeout == 1 ? "" : "s")"
    case .unusable(let path, let reason):
      "\(path): \(reason)"
    case .connectionLost(let path, let reason):
      "\(path): the connection failed (\(reason))"
    case .runHeldElsewhere(let id, let host, let pid):
      "run \(id) is held by process \(pid.map(String.init) ?? "?") on \(host ?? "?"), not by this one"
    case .nonFiniteValue(let message), .invalidValue(let message), .invalidSetting(let message):
      message
    case .refusedQuery(let reason):
      "refused: \(reason) — a query here may only read the database"
    case .invalidQuery(let message):
      "the query cannot run: \(message)"
    case .queryTimedOut(let path, let seconds):
      "\(path): the query ran past its time limit of \(String(format: "%g", seconds)) s"
    case .queryOutOfMemory(let path, let bytes):
      "\(path): the query needed more than its memory limit of \(bytes >> 20) MiB"
    case .runNotFound(let id):
      "there is no run \(id)"
    case .sweepNotFound(let id):
      "there is no sweep \(id)"
    case .runNotRunning(let id, let status):
      "run \(id) is \(status.rawValue), not running: its epochs cannot be recorded"
    case .whileRecording(let error, let epoch, let run):
      "\(error) while recording epoch \(epoch) of run \(run)"
    }
  }
}
