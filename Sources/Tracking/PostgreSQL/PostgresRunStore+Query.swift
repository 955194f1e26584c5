import Foundation
import GRDB
import PostgresNIO

/// Queries given as SQL on PostgreSQL: one statement, its `:name` parameters bound, run in a
/// `READ ONLY` transaction under a `statement_timeout` and rolled back, refusing the functions
/// that act on the server rather than read it. A read-only role (docs/postgresql.md) is the
/// sure way for people who only look.
extension PostgresRunStore {
  public func requireCurrentSchema() throws {
    let applied = try appliedMigrations() ?? []
    let missing = Self.knownMigrations.filter { !applied.contains($0) }
    guard missing.isEmpty else {
      throw TrackingError.olderDatabase(path: location.description, missingMigrations: missing)
    }
  }

  /// Functions a reading transaction may still call that act on the server or its files:
  /// signalling other sessions, settings, large objects, advisory locks, notifications.
  static let refusedFunctions: Set<String> = [
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_log_backend_memory_contexts",
    "set_config", "lo_import", "lo_export", "lo_unlink", "lo_create", "lo_creat", "lo_from_bytea",
    "lo_put", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_notify",
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared", "pg_sleep_until",
    "dblink", "dblink_exec", "dblink_connect",
  ]

  public func select(
    _ sql: String, parameters: [String: SQLValue], columns: ([String]) throws -> Void,
    row: ([SQLValue]) throws -> Void
  ) throws {
    let statement = try PositionalSQL(sql)
    if let first = statement.words.first, !["select", "with", "values", "table"].contains(first) {
      throw TrackingError.refusedQuery("a \(first.uppercased()) statement")
    }
    if let function = statement.words.first(where: Self.refusedFunctions.contains) {
      throw TrackingError.refusedQuery("\(function)() acts on the server")
    }
    let values = try statement.names.map { name in
      guard let value = parameters[name] else {
        throw TrackingError.invalidQuery("the query's parameter :\(name) has no value")
      }
      return value
    }
    if let unused = Set(parameters.keys).subtracting(statement.names).sorted().first {
      throw TrackingError.invalidQuery("the query has no parameter :\(unused)")
    }
    let timeout = queryLimits.seconds.map { Int(($0 * 1000).rounded(.up)) } ?? 0
    let text = statement.text
    let result: QueryResult
    do {
      result = try transaction(
        "BEGIN TRANSACTION READ ONLY", stallAfter: queryLimits.seconds.map { $0 + 30 }
      ) { connection, _ in
        try await connection.run("SET LOCAL statement_timeout = \(timeout)")
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(UntypedText(value)) }
        let rows = try await connection.query(
          PostgresQuery(unsafeSQL: text, binds: bindings), logger: Self.logger)
        var result = QueryResult(columns: rows.columns.map(\.name), rows: [])
        for try await cells in rows { result.rows.append(try cells.map(SQLValue.init)) }
        return result
      }
    } catch TrackingError.queryTimedOut(let path, _) {
      throw TrackingError.queryTimedOut(path: path, seconds: queryLimits.seconds ?? 0)
    } catch TrackingError.unusable(_, let reason) where reason.contains("no results to return") {
      throw TrackingError.refusedQuery("a statement that returns no rows")
    }
    try columns(result.columns)
    for values in result.rows { try row(values) }
  }
}

/// A parameter sent as text with no type, so that the server infers it from where it stands,
/// as SQLite takes a value of any type: `:sweep = 'all' OR CAST(id AS TEXT) = :sweep`.
private struct UntypedText: PostgresDynamicTypeEncodable {
  let text: String
  var psqlType: PostgresDataType { .null }  // OID 0: unspecified
  var psqlFormat: PostgresFormat { .text }

  init(_ value: SQLValue) {
    switch value {
    case .null, .blob: text = ""
    case .integer(let integer): text = String(integer)
    case .real(let real): text = "\(real)"
    case .text(let string): text = string
    }
  }

  func encode<JSONEncoder: PostgresJSONEncoder>(
    into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
  ) {
    byteBuffer.writeString(text)
  }
}

extension PositionalSQL {
  /// The statements of `sql`, split at the semicolons outside quotes and comments (a
  /// migration's text; the extended protocol takes one statement at a time).
  static func statements(in sql: String) -> [String] {
    var statements: [String] = []
    var current = ""
    var quote: Character?
    var characters = Array(sql)[...]
    while let character = characters.popFirst() {
      if let open = quote {
        current.append(character)
        if character == open { quote = nil }
      } else if character == "'" || character == "\"" {
        quote = character
        current.append(character)
      } else if character == "-" && characters.first == "-" {
        while let next = characters.popFirst(), next != "\n" {}
        current.append("\n")
      } else if character == ";" {
        statements.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    statements.append(current)
    return statements.filter { !$0.allSatisfy(\.isWhitespace) }
  }
}

/// SQL with `:name` parameters rewritten as PostgreSQL's `$1, $2, …` (each name one number),
/// and its words, lowercased, outside quotes and comments.
struct PositionalSQL {
  var text = ""
  /// The parameter names in the order of their numbers.
  var names: [String] = []
  var words: [String] = []

  init(_ sql: String) throws {
    var characters = Array(sql)[...]
    /// Whether a semicolon has ended the statement: only white space and comments may follow.
    var ended = false
    func isWord(_ character: Character) -> Bool {
      character.isLetter || character.isNumber || character == "_"
    }
    while let character = characters.popFirst() {
      switch character {
      case _ where ended && !character.isWhitespace && !"-/".contains(character):
        throw TrackingError.refusedQuery("more than one statement")
      case "'", "\"":
        text.append(character)
        while let next = characters.popFirst() {
          text.append(next)
          if next == character { break }
        }
        if character == "\"" {
          words.append(
            String(text.reversed().dropFirst().prefix { $0 != "\"" }.reversed()).lowercased())
        }
      case "-" where characters.first == "-":
        while let next = characters.popFirst(), next != "\n" {}
        text.append("\n")
      case "/" where characters.first == "*":
        characters.removeFirst()
        while let next = characters.popFirst() {
          if next == "*" && characters.first == "/" {
            characters.removeFirst()
            break
          }
        }
        text.append(" ")
      case ";":
        ended = true
        text.append(character)
      case ":" where characters.first == ":":
        characters.removeFirst()
        text += "::"
      case ":" where characters.first.map(isWord) == true:
        let name = String(characters.prefix(while: isWord))
        characters.removeFirst(name.count)
        if !names.contains(name) { names.append(name) }
        text += "$\(names.firstIndex(of: name)! + 1)"
      case "?", "$":
        throw TrackingError.invalidQuery(
          "a parameter without a name (\(character)): name it, as :sweep")
      default:
        text.append(character)
        if isWord(character) {
          let rest = characters.prefix(while: isWord)
          characters.removeFirst(rest.count)
          text += rest
          words.append((String(character) + rest).lowercased())
        }
      }
    }
  }
}
