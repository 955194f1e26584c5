import Tracking

/// `nnlab runs`: the rows of the `runs` report, filtered (`--where`, in the filter language of
/// `RunFilter`), sorted by any of its columns and cut to a number — all of it bound
/// parameters around the catalog's SQL.
public struct RunListing: Sendable {
  public var sweep: Int64?
  /// Only these runs (all when nil).
  public var ids: [Int64]?
  /// Only runs in one of these statuses (all when empty).
  public var statuses: [RunStatus]
  public var filter: RunFilter?
  /// A column of the `runs` report; runs without a value come last.
  public var sort: String
  public var descending: Bool
  public var limit: Int?

  /// The columns a terminal shows (CSV and JSON get them all).
  public static let terminalColumns = [
    "id", "sweep", "status", "layers", "lambda", "lr", "last_epoch", "train_error",
    "validation_error", "best_validation_error", "validation_accuracy", "seconds", "name",
  ]

  public init(
    sweep: Int64? = nil, ids: [Int64]? = nil, statuses: [RunStatus] = [],
    filter: RunFilter? = nil, sort: String = "id", descending: Bool = false, limit: Int? = nil
  ) {
    self.sweep = sweep
    self.ids = ids
    self.statuses = statuses
    self.filter = filter
    self.sort = sort
    self.descending = descending
    self.limit = limit
  }

  /// The columns of the `runs` report that hold numbers (or nothing): `--where` compares them
  /// only with numbers.
  public static let numberFields: Set<String> = [
    "id", "sweep", "lr", "lambda", "epochs", "batch_size", "seed", "validation", "train_examples",
    "last_epoch", "final_cost", "train_error", "validation_error", "train_accuracy",
    "validation_accuracy", "best_train_error", "best_validation_error", "best_epoch",
    "diverged_epoch", "stopped_early", "seconds",
  ]

  /// The listing's rows, every column of the `runs` report.
  /// - Throws: `ReportError.invalidFilter` for a filter naming an unknown field,
  ///   `.invalidParameter` for an unknown sort key; `TrackingError` from the query.
  public func run(on store: any RunStore) throws -> QueryResult {
    let (sql, parameters) = try query(on: store)
    return try store.select(sql, parameters: parameters)
  }

  /// The listing's rows as they are read, like `RunStore.select(_:parameters:columns:row:)`.
  public func run(
    on store: any RunStore, columns: ([String]) throws -> Void, row: ([SQLValue]) throws -> Void
  ) throws {
    let (sql, parameters) = try query(on: store)
    try store.select(sql, parameters: parameters, columns: columns, row: row)
  }

  /// The `runs` report wrapped in the listing's conditions, order and limit.
  private func query(on store: any RunStore) throws -> (String, [String: SQLValue]) {
    let report = try Report.named("runs")
    let runs = "SELECT * FROM (\n\(report.sql(for: store).trimmingTrailingSemicolon)\n) AS run"
    var parameters = try report.bindings(["sweep": sweep.map(String.init) ?? "all"])
    let fields = try store.select(runs + " LIMIT 0", parameters: parameters).columns
    guard fields.contains(sort) else {
      throw ReportError.invalidSetting(
        key: "sort", problem: ": unknown key '\(sort)' (known: \(fields.joined(separator: ", ")))")
    }
    var conditions: [String] = []
    /// `run.column IN (:name0, :name1, …)` with the values bound.
    func among(_ column: String, _ values: [SQLValue]) {
      let names = values.indices.map { "\(column)\($0)" }
      conditions.append("run.\(column) IN (\(names.map { ":" + $0 }.joined(separator: ", ")))")
      for (name, value) in zip(names, values) { parameters[name] = value }
    }
    if !statuses.isEmpty { among("status", statuses.map { .text($0.rawValue) }) }
    if let ids { among("id", ids.map(SQLValue.integer)) }
    if let filter {
      let (condition, values) = try filter.sql(
        fields: fields, numberFields: Self.numberFields, row: "run")
      conditions.append("(\(condition))")
      parameters.merge(values) { first, _ in first }
    }
    var sql = runs
    if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
    sql += " ORDER BY run.\"\(sort)\" \(descending ? "DESC" : "ASC") NULLS LAST, run.id"
    if let limit {
      sql += " LIMIT :limit"
      parameters["limit"] = .integer(Int64(limit))
    }
    return (sql, parameters)
  }
}

extension QueryResult {
  /// The columns `names` (those it has), in that order.
  public func selecting(_ names: [String]) -> QueryResult {
    let indices = names.compactMap { columns.firstIndex(of: $0) }
    return QueryResult(
      columns: indices.map { columns[$0] }, rows: rows.map { row in indices.map { row[$0] } })
  }
}

extension String {
  /// The SQL without a final `;` (so it can be a subquery).
  var trimmingTrailingSemicolon: String {
    var text = self
    while let last = text.last, last == ";" || last.isWhitespace { text.removeLast() }
    return text
  }
}
