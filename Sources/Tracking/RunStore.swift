import Foundation

/// The storage layer's API: what Training, Reports and the command line ask of a database of
/// runs, each write one transaction. `RunDatabase` (SQLite, through GRDB) implements it; a
/// second backend conforms here and opens in `RunStores.open`, and the modules that use a
/// store do not change. The rules derived from a run stay out of the backends: `Run`'s
/// `finalError`, `bestError` and `isStale`, and `BestEpoch`.
public protocol RunStore: Sendable {
  /// The database file or URL (without its password), or nil for one in memory.
  var path: String? { get }
  /// The SQL the database speaks: what a query given as SQL (`select`) must be written in.
  var dialect: SQLDialect { get }
  /// The process this connection writes for: it records epochs only of runs it holds.
  var process: ProcessIdentity { get }
  /// What each query given as SQL (`select`) may spend.
  var queryLimits: QueryLimits { get set }
  /// How long epochs recorded one by one may gather before they are written in one transaction
  /// (`recordEpochs`): what a transaction costs here decides it.
  var gathering: Duration { get }

  // MARK: Writes

  /// A new sweep whose grid is `spec` (JSON).
  func createSweep(name: String?, spec: String) throws -> Sweep
  /// A new run, `running` for this store's process, with its tags.
  func createRun(_ spec: RunSpec, tags: [String: String]) throws -> Run
  /// A new sweep with its runs queued: all or nothing.
  func createSweep(name: String?, spec: String, runs specs: [RunSpec]) throws -> (Sweep, [Run])
  /// New `queued` runs of `sweep`; all or none are queued.
  func queueRuns(_ specs: [RunSpec], in sweep: Int64) throws -> [Run]
  /// Puts `interrupted` and `failed` runs back in the queue; returns the ids re-queued.
  @discardableResult func requeueRuns(_ ids: [Int64]) throws -> [Int64]
  /// Takes over a run to resume it from its snapshot at `epoch` (see `RunDatabase`).
  func resumeRun(_ run: Int64, fromEpoch epoch: Int) throws -> Run
  /// Records consecutive epochs of a run this process holds, each whole, and its summary.
  func recordEpochs(_ records: [EpochRecord], of run: Int64) throws
  /// Ends a run this process holds.
  func finishRun(_ run: Int64, outcome: RunOutcome) throws
  /// Deletes runs and everything recorded of them; returns how many there were.
  @discardableResult func deleteRuns(_ ids: [Int64]) throws -> Int
  /// Deletes a sweep with its runs; returns how many runs went with it.
  @discardableResult func deleteSweep(_ id: Int64) throws -> Int
  /// Sets (or replaces) the tag `key` of a run.
  func setTag(_ key: String, to value: String, of run: Int64) throws
  /// Removes the tag `key` of a run; returns whether it had one.
  @discardableResult func removeTag(_ key: String, of run: Int64) throws -> Bool
  /// Records a gradient check of a run at `epoch`, per layer.
  func recordGradientCheck(
    _ layers: [(layer: Int, maxAbsDifference: Double, relativeDifference: Double)], of run: Int64,
    epoch: Int) throws

  /// Writes runs read from another store (`RunCopy`) in one transaction, under new ids.
  func write(_ copy: RunCopy) throws -> RunCopy.Written

  // MARK: Claims

  /// Moves the oldest `queued` run of `sweep` to `running` for this process; nil when none is.
  func claimQueuedRun(in sweep: Int64) throws -> Run?
  /// Marks the stale runs (`Run.isStale`) `interrupted`, in one transaction, and returns them.
  @discardableResult func interruptStaleRuns(
    staleAfter: TimeInterval, isAlive: (Int) -> Bool
  ) throws -> [Run]

  // MARK: Reads

  /// The run with this id (`TrackingError.runNotFound`).
  func run(_ id: Int64) throws -> Run
  /// The runs `query` selects, in its order.
  func runs(_ query: RunQuery) throws -> [Run]
  /// How many runs are in each status (of one sweep, or of all).
  func statusCounts(in sweep: Int64?) throws -> [RunStatus: Int]
  /// Every epoch row of a run, in order.
  func epochs(of run: Int64) throws -> [Epoch]
  /// One epoch row of a run, if recorded.
  func epoch(_ epoch: Int, of run: Int64) throws -> Epoch?
  /// Every layer row of a run, by epoch and layer.
  func layerEpochs(of run: Int64) throws -> [LayerEpoch]
  /// The weights of a run at its latest snapshot at or before `epoch` (the latest when nil).
  func snapshot(of run: Int64, atOrBefore epoch: Int?) throws -> [WeightSnapshot]
  /// The epochs of a run that have a snapshot.
  func snapshotEpochs(of run: Int64) throws -> [Int]
  /// The gradient checks of a run.
  func gradientChecks(of run: Int64) throws -> [GradientCheckRow]
  /// The tags of a run.
  func tags(of run: Int64) throws -> [String: String]
  /// The sweep with this id, or the latest one when nil; nil when there is none.
  func sweep(_ id: Int64?) throws -> Sweep?
  /// Every sweep, oldest first.
  func sweeps() throws -> [Sweep]
  /// The distinct data sources of the runs, as JSON.
  func dataSources() throws -> [String]

  // MARK: Queries given as SQL (read-only)

  /// Refuses a database without all of this build's migrations (`TrackingError.olderDatabase`).
  func requireCurrentSchema() throws
  /// Runs the one SELECT in `sql` with its named parameters bound, handing its column names to
  /// `columns` once, then each row to `row` as it is read; nothing else may run.
  func select(
    _ sql: String, parameters: [String: SQLValue], columns: ([String]) throws -> Void,
    row: ([SQLValue]) throws -> Void) throws

  // MARK: Maintenance

  /// The names of the migrations this build knows, in order.
  var knownMigrations: [String] { get }
  /// Applies the migrations the database lacks; returns their names.
  @discardableResult func migrate() throws -> [String]
  /// What the database holds (`nnlab db info`).
  func info() throws -> DatabaseInfo
  /// The problems an integrity check finds; empty for a sound database.
  func check() throws -> [String]
  /// Gives the space of deleted rows back.
  func vacuum() throws
  /// Closes the connections.
  func close() throws
}

/// What every store offers on top of its own methods: the defaults, and what follows from them.
extension RunStore {
  public func createRun(_ spec: RunSpec) throws -> Run { try createRun(spec, tags: [:]) }

  /// Records one epoch of a running run, whole or not at all.
  public func recordEpoch(_ record: EpochRecord, of run: Int64) throws {
    try recordEpochs([record], of: run)
  }

  @discardableResult public func interruptStaleRuns() throws -> [Run] {
    try interruptStaleRuns(staleAfter: Run.staleAfter, isAlive: ProcessIdentity.isAlive)
  }

  /// The `running` runs whose process is gone (`Run.isStale`).
  public func staleRuns(
    on host: String = ProcessIdentity.current.host, staleAfter: TimeInterval = Run.staleAfter,
    isAlive: (Int) -> Bool = ProcessIdentity.isAlive
  ) throws -> [Run] {
    try runs(RunQuery(statuses: [.running])).filter {
      $0.isStale(on: host, window: staleAfter, isAlive: isAlive)
    }
  }

  public func runs() throws -> [Run] { try runs(RunQuery()) }

  public func statusCounts() throws -> [RunStatus: Int] { try statusCounts(in: nil) }

  public func snapshot(of run: Int64) throws -> [WeightSnapshot] {
    try snapshot(of: run, atOrBefore: nil)
  }

  public func sweep() throws -> Sweep? { try sweep(nil) }

  /// The sweep with this id.
  /// - Throws: `TrackingError.sweepNotFound`.
  public func existingSweep(_ id: Int64) throws -> Sweep {
    guard let sweep = try sweep(id) else { throw TrackingError.sweepNotFound(id) }
    return sweep
  }

  /// Runs the one SELECT in `sql` (see `select(_:parameters:columns:row:)`) and returns its
  /// columns and rows.
  public func select(_ sql: String, parameters: [String: SQLValue] = [:]) throws -> QueryResult {
    var result = QueryResult(columns: [], rows: [])
    try select(sql, parameters: parameters) {
      result.columns = $0
    } row: {
      result.rows.append($0)
    }
    return result
  }
}

/// How a store is opened.
public enum DatabaseAccess: Sendable {
  /// Read and write, creating a missing database and migrating it to this nnlab's schema.
  case readWrite
  /// Read and write an existing database, migrated (`nnlab resume`: a missing one is an error).
  case existing
  /// Read and write an existing database without migrating it (`nnlab db migrate`, `vacuum`).
  case existingWithoutMigrating
  /// Read only: the database is not changed at all (`nnlab db info`, `check`).
  case readOnly
}

/// Opening a store: the backend is the one `location` names, a PostgreSQL URL
/// (`PostgresRunStore`) or an SQLite file (`RunDatabase`).
public enum RunStores {
  /// Opens the store at `location`, refusing what nnlab must not touch; see
  /// `PostgresRunStore.open(url:access:as:reconnectingFor:)` and
  /// `RunDatabase.open(path:access:as:)`. A PostgreSQL store whose connection fails tries
  /// again for `reconnectingFor` seconds (nil: its connect timeout).
  public static func open(
    _ location: String, access: DatabaseAccess = .readWrite, as process: ProcessIdentity = .current,
    reconnectingFor: TimeInterval? = nil
  ) throws -> any RunStore {
    if PostgresLocation.isPostgres(location) {
      return try PostgresRunStore.open(
        url: location, access: access, as: process, reconnectingFor: reconnectingFor)
    }
    return try RunDatabase.open(path: location, access: access, as: process)
  }

  /// `text` as it may be shown or stored: any PostgreSQL URL in it without its password (a
  /// location, a command line).
  public static func shown(_ text: String) -> String {
    PostgresLocation.redacting(text)
  }

  /// Refuses a storage setting in the environment that cannot be used (`NNLAB_BUSY_TIMEOUT`,
  /// `NNLAB_LEASE`), before anything is read or written.
  /// - Throws: `TrackingError.invalidSetting`.
  public static func checkSettings() throws {
    _ = try RunDatabase.configuredBusyTimeout.get()
    _ = try Lease.configured.get()
  }
}

/// The SQL dialects of the backends.
public enum SQLDialect: String, Sendable {
  case sqlite, postgresql
}
