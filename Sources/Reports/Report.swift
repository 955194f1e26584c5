import Foundation
import Tracking

/// A report: one SELECT and what its header says about it. The catalog's come from
/// `reports/NAME.sql`, compiled in; users' own from a file or the command line.
///
/// The header is the file's opening comment lines:
///
///     -- The λ × α grid of a sweep: …            (the first lines: the description)
///     -- param: sweep = latest | all  a sweep's id (a parameter, its default, other words, help)
///     -- view: grid                              (how a terminal shows it; default: table)
///
/// Parameters are SQL named parameters (`:sweep`), bound, never pasted into the text.
public struct Report: Sendable {
  /// A parameter the header declares: `-- param: NAME = DEFAULT [| WORD …]  help`. It takes a
  /// number, or one of its words: DEFAULT when that is not a number, and the WORDs after it.
  public struct Parameter: Sendable, Equatable {
    public let name: String
    public let defaultValue: String
    public let words: [String]
    public let help: String

    /// The value `text` binds, or why it cannot.
    func value(_ text: String) throws -> SQLValue {
      let value = SQLValue(parsing: text)
      guard value.number != nil || words.contains(text) else {
        throw ReportError.invalidSetting(
          key: "param \(name)",
          problem: ": '\(text)' is not "
            + (["a number"] + words).joined(separator: words.count > 1 ? ", " : " or "))
      }
      return value
    }
  }

  public let name: String
  public let description: String
  /// The declared parameters; a report without any takes whatever `--param` gives.
  public let parameters: [Parameter]
  public let view: ReportView
  /// The query, portable or in SQLite's dialect.
  public let sql: String
  /// The query in PostgreSQL's dialect, where it must differ (`reports/postgresql/NAME.sql`).
  public let postgresqlSQL: String?

  /// The query in the dialect `store` speaks.
  public func sql(for store: any RunStore) -> String {
    store.dialect == .postgresql ? postgresqlSQL ?? sql : sql
  }

  /// Reads the header of `sql`.
  /// - Throws: `ReportError.invalidReportFile` for a malformed `param:` or `view:` line.
  public init(name: String, sql: String, postgresqlSQL: String? = nil) throws {
    self.name = name
    self.sql = sql
    self.postgresqlSQL = postgresqlSQL
    var description: [String] = []
    var parameters: [Parameter] = []
    var view = ReportView.table
    var describing = true
    for line in sql.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.hasPrefix("--") else { break }
      let text = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
      if describing && !text.isEmpty && !text.hasPrefix("param:") && !text.hasPrefix("view:") {
        description.append(text)
        continue
      }
      describing = false
      if let declaration = text.removingPrefix("param:") {
        let parts = declaration.split(separator: "=", maxSplits: 1)
        let rest = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        let parameter = String(parts.first ?? "").trimmingCharacters(in: .whitespaces)
        guard parts.count == 2, !parameter.isEmpty, !rest.isEmpty else {
          throw ReportError.invalidReportFile(
            "\(name): '\(text)' is not 'param: NAME = DEFAULT  help'")
        }
        // DEFAULT, then `| WORD` for each other word, then the help.
        var tokens = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let defaultValue = tokens.removeFirst()
        var words = SQLValue(parsing: defaultValue).number == nil ? [defaultValue] : []
        while tokens.count >= 2 && tokens[0] == "|" {
          words.append(tokens[1])
          tokens.removeFirst(2)
        }
        parameters.append(
          Parameter(
            name: parameter, defaultValue: defaultValue, words: words,
            help: tokens.joined(separator: " ")))
      } else if let declared = text.removingPrefix("view:") {
        guard let known = ReportView(rawValue: declared) else {
          throw ReportError.invalidReportFile(
            "\(name): unknown view '\(declared)' (\(ReportView.allCases.map(\.rawValue).joined(separator: ", ")))"
          )
        }
        view = known
      }
    }
    self.description = description.joined(separator: " ")
    self.parameters = parameters
    self.view = view
  }

  /// The catalog: `reports/*.sql`, by name, with their `reports/postgresql/` versions.
  public static let catalog: [Report] = EmbeddedSQL.files.compactMap { file in
    try? Report(
      name: file.name, sql: file.sql,
      postgresqlSQL: EmbeddedSQL.postgresql.first { $0.name == file.name }?.sql)
  }

  /// The catalog report called `name`.
  /// - Throws: `ReportError.unknownReport`, listing the catalog.
  public static func named(_ name: String) throws -> Report {
    guard let report = catalog.first(where: { $0.name == name }) else {
      throw ReportError.unknownReport(name, known: catalog.map(\.name))
    }
    return report
  }

  /// The values bound to the query: each declared parameter's from `arguments`, else its
  /// default; for a report that declares none, `arguments` as they are. Values are read as
  /// numbers where they are numbers (`SQLValue(parsing:)`).
  /// - Throws: `ReportError.invalidParameter` for an argument the report does not declare.
  public func bindings(_ arguments: [String: String]) throws -> [String: SQLValue] {
    guard !parameters.isEmpty else { return arguments.mapValues(SQLValue.init(parsing:)) }
    if let unknown = arguments.keys.sorted().first(where: { key in
      !parameters.contains { $0.name == key }
    }) {
      throw ReportError.invalidParameter(
        "the report '\(name)' has no parameter '\(unknown)' (it takes: \(parameters.map(\.name).joined(separator: ", ")))"
      )
    }
    return Dictionary(
      uniqueKeysWithValues: try parameters.map {
        ($0.name, try $0.value(arguments[$0.name] ?? $0.defaultValue))
      })
  }

  /// Runs the report on `store` (read-only; see `RunStore.select`).
  public func run(on store: any RunStore, arguments: [String: String] = [:]) throws -> QueryResult {
    try store.select(sql(for: store), parameters: try bindings(arguments))
  }
}

/// How a terminal shows a report's rows. CSV and JSON carry the rows as they are.
public enum ReportView: String, CaseIterable, Sendable {
  /// An aligned table.
  case table
  /// λ × α grids (the `sweep` report's columns).
  case grid
  /// Error against λ with the bias/variance reading (`validation-curve`'s columns).
  case validationCurve = "validation-curve"
  /// Error against m with the bias/variance reading (`learning-curve`'s columns).
  case learningCurve = "learning-curve"
}

extension String {
  /// The rest of the string after `prefix`, trimmed, or nil when it does not start with it.
  fileprivate func removingPrefix(_ prefix: String) -> String? {
    hasPrefix(prefix) ? dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) : nil
  }
}
