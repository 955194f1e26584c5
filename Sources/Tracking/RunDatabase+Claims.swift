import Foundation
import GRDB

/// Handing queued runs to worker processes, and finding runs whose process is gone.
extension RunDatabase {
  /// Moves a `running` run of `sweep` whose lease has ended (`Lease`), else its oldest `queued`
  /// one, to `running` for this database's process, stamping its host, pid, heartbeat, lease and
  /// attempts — one `UPDATE … RETURNING` in an immediate transaction, so two processes never get
  /// the same run; the indexes of migration 0008 find either without reading the claimed runs.
  /// Nil when none is left.
  public func claimQueuedRun(in sweep: Int64) throws -> Run? {
    try write { db in
      let now = Timestamp.now()
      let claimed = try Int64.fetchOne(
        db,
        sql: """
          UPDATE runs SET status = 'running', host = ?, pid = ?, heartbeat_at = ?,
            started_at = COALESCE(started_at, ?), finished_at = NULL, error = NULL,
            lease_expires_at = ?, attempts = attempts + 1
          WHERE id = COALESCE(
            (SELECT id FROM runs WHERE sweep_id = ? AND status = 'running' AND lease_expires_at < ?
             ORDER BY id LIMIT 1),
            (SELECT id FROM runs WHERE sweep_id = ? AND status = 'queued' ORDER BY id LIMIT 1))
          RETURNING id
          """,
        arguments: [process.host, process.pid, now, now, Lease.end(), sweep, now, sweep])
      return try claimed.map { try Self.run($0, db) }
    }
  }

  /// Marks the stale runs (`Run.isStale`, after `staleAfter` seconds) `interrupted`, in one transaction, and returns them.
  @discardableResult
  public func interruptStaleRuns(
    staleAfter: TimeInterval, isAlive: (Int) -> Bool
  ) throws -> [Run] {
    try write { db in
      let stale = try Self.staleRuns(
        db, host: process.host, staleAfter: staleAfter, isAlive: isAlive)
      for run in stale {
        try db.execute(
          sql:
            "UPDATE runs SET status = 'interrupted', error = ? WHERE id = ? AND status = 'running'",
          arguments: ["its process stopped without finishing the run", run.id])
      }
      return try stale.map { try Self.run($0.id, db) }
    }
  }

  static func staleRuns(
    _ db: Database, host: String, staleAfter: TimeInterval, isAlive: (Int) -> Bool
  ) throws -> [Run] {
    try Run.filter(Run.Columns.status == RunStatus.running).order(Run.Columns.id).fetchAll(db)
      .filter { $0.isStale(on: host, window: staleAfter, isAlive: isAlive) }
  }
}
