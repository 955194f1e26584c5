import Foundation
import GRDB
import GRDBSQLite

/// Values bound straight through SQLite's C interface: the write path's inserts run once per
/// row, and GRDB's `StatementArguments` box every value on the way (a third of the time of a
/// layer row).
struct RowBinder {
  let statement: OpaquePointer

  func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }

  func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(statement, index, Int64(value)) }

  func bind(_ index: Int32, _ value: Double?) {
    if let value {
      sqlite3_bind_double(statement, index, value)
    } else {
      sqlite3_bind_null(statement, index)
    }
  }

  /// Binds a copy of `data` as a BLOB.
  func bind(_ index: Int32, _ data: Data) {
    data.withUnsafeBytes { bytes in
      _ = sqlite3_bind_blob(
        statement, index, bytes.baseAddress, Int32(bytes.count),
        unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }
  }
}

extension Statement {
  /// Runs this INSERT (or UPDATE) once with the values `bind` binds; an error is GRDB's
  /// `DatabaseError`, as if GRDB had run it.
  func run(in db: Database, binding bind: (RowBinder) -> Void) throws {
    sqlite3_reset(sqliteStatement)
    sqlite3_clear_bindings(sqliteStatement)
    bind(RowBinder(statement: sqliteStatement))
    let code = sqlite3_step(sqliteStatement)
    guard code == SQLITE_DONE else {
      let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
      sqlite3_reset(sqliteStatement)
      throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
  }
}
