import Foundation
import TestSupport
import Testing
import Tracking

@testable import Reports

struct RunFilterTests {
  static let fields = ["id", "sweep", "status", "lambda", "lr", "validation_error", "a", "b", "c"]
  static let numberFields: Set = ["id", "sweep", "lambda", "lr", "validation_error"]

  /// The SQL condition of `text` over the row alias `run`, and its parameters.
  static func sql(_ text: String) throws -> (condition: String, parameters: [String: SQLValue]) {
    try RunFilter(parsing: text).sql(fields: fields, numberFields: numberFields, row: "run")
  }

  /// The tag lookup with its key bound to `:filter<number>`.
  static func tag(_ number: Int) -> String {
    "(SELECT value FROM tags WHERE tags.run_id = run.id AND tags.key = :filter\(number))"
  }

  static let accepted: [(String, String, [String: SQLValue])] = [
    (
      "lambda >= 0.1 and status = finished and validation_error < 0.3",
      #"(run."lambda" >= :filter1 AND run."status" = :filter2 AND run."validation_error" < :filter3)"#,
      ["filter1": .real(0.1), "filter2": .text("finished"), "filter3": .real(0.3)]
    ),
    (
      #"lr in (0.3, 1) or tag.note = "baseline""#,
      #"(run."lr" IN (:filter1, :filter2) OR \#(tag(3)) = :filter4)"#,
      [
        "filter1": .real(0.3), "filter2": .integer(1), "filter3": .text("note"),
        "filter4": .text("baseline"),
      ]
    ),
    (
      "a = 1 or b = 2 and c = 3",
      #"(run."a" = :filter1 OR (run."b" = :filter2 AND run."c" = :filter3))"#,
      ["filter1": .integer(1), "filter2": .integer(2), "filter3": .integer(3)]
    ),
    (
      "(a = 1 or b = 2) and c = 3",
      #"((run."a" = :filter1 OR run."b" = :filter2) AND run."c" = :filter3)"#,
      ["filter1": .integer(1), "filter2": .integer(2), "filter3": .integer(3)]
    ),
    (
      "not a = 1 and b != 2",
      #"(NOT (run."a" = :filter1) AND run."b" <> :filter2)"#,
      ["filter1": .integer(1), "filter2": .integer(2)]
    ),
    (
      "NOT (a == 1 Or b <> x)",
      #"NOT (run."a" = :filter1 OR run."b" <> :filter2)"#,
      ["filter1": .integer(1), "filter2": .text("x")]
    ),
    ("not not a <= 1", #"NOT (NOT (run."a" <= :filter1))"#, ["filter1": .integer(1)]),
    ("((a>1))", #"run."a" > :filter1"#, ["filter1": .integer(1)]),
    (
      "lambda between 0.01 and 1e-1",
      #"run."lambda" BETWEEN :filter1 AND :filter2"#,
      ["filter1": .real(0.01), "filter2": .real(0.1)]
    ),
    (
      "lambda NOT BETWEEN -0.5 AND +2 and a<-3",
      #"(run."lambda" NOT BETWEEN :filter1 AND :filter2 AND run."a" < :filter3)"#,
      ["filter1": .real(-0.5), "filter2": .integer(2), "filter3": .integer(-3)]
    ),
    (
      #"status not in ('failed', "diverged")"#,
      #"run."status" NOT IN (:filter1, :filter2)"#,
      ["filter1": .text("failed"), "filter2": .text("diverged")]
    ),
    ("sweep is not null", #"run."sweep" IS NOT NULL"#, [:]),
    ("tag.note IS NULL", "\(tag(1)) IS NULL", ["filter1": .text("note")]),
    (
      #"tag.note = 'it''s "fine"' or tag.note = "say ""hi"" it's""#,
      "(\(tag(1)) = :filter2 OR \(tag(3)) = :filter4)",
      [
        "filter1": .text("note"), "filter2": .text(#"it's "fine""#), "filter3": .text("note"),
        "filter4": .text(#"say "hi" it's"#),
      ]
    ),
    (#"a = 400-25-10"#, #"run."a" = :filter1"#, ["filter1": .text("400-25-10")]),
    (#"a = "0.3""#, #"run."a" = :filter1"#, ["filter1": .text("0.3")]),
    (#"a = inf"#, #"run."a" = :filter1"#, ["filter1": .text("inf")]),
    (#"lr = '0.3'"#, #"run."lr" = :filter1"#, ["filter1": .text("0.3")]),
    (
      "tag.epochs > 9", "CAST(\(tag(1)) AS REAL) > :filter2",
      ["filter1": .text("epochs"), "filter2": .integer(9)]
    ),
    (
      "tag.lr in (0.1, 3e-1)",
      "CAST(\(tag(1)) AS REAL) IN (:filter2, :filter3)",
      ["filter1": .text("lr"), "filter2": .real(0.1), "filter3": .real(0.3)]
    ),
    (
      "tag.lr not between 1 and 2",
      "CAST(\(tag(1)) AS REAL) NOT BETWEEN :filter2 AND :filter3",
      ["filter1": .text("lr"), "filter2": .integer(1), "filter3": .integer(2)]
    ),
    (
      "tag.lr in (1, high)",
      "\(tag(1)) IN (:filter2, :filter3)",
      ["filter1": .text("lr"), "filter2": .integer(1), "filter3": .text("high")]
    ),
    (
      "\n\ttag.a.b-c = ''  ",
      "\(tag(1)) = :filter2",
      ["filter1": .text("a.b-c"), "filter2": .text("")]
    ),
  ]

  @Test(arguments: accepted)
  func acceptedExpressionsBecomeBoundSQL(
    text: String, condition: String, parameters: [String: SQLValue]
  ) throws {
    let sql = try Self.sql(text)
    #expect(sql.condition == condition)
    #expect(sql.parameters == parameters)
  }

  @Test func rowAliasAndParameterPrefixAreTheCallers() throws {
    let sql = try RunFilter(parsing: "tag.seed = 7 and status = finished")
      .sql(fields: ["status"], row: "r", parameterPrefix: "where")
    #expect(
      sql.condition
        == #"(CAST((SELECT value FROM tags WHERE tags.run_id = r.id AND tags.key = :where1) AS REAL) = :where2 AND r."status" = :where3)"#
    )
    #expect(
      sql.parameters == [
        "where1": .text("seed"), "where2": .integer(7), "where3": .text("finished"),
      ])
  }

  @Test func filtersAreEqualWhenTheyMeanTheSame() throws {
    #expect(try RunFilter(parsing: "a == 1") == RunFilter(parsing: "(a = 1)"))
    #expect(try RunFilter(parsing: "a = 1") != RunFilter(parsing: "a = '1'"))
  }

  static let rejected: [(String, String)] = [
    (
      "lamda = 1",
      "unknown field 'lamda' (known: id, sweep, status, lambda, lr, validation_error, a, b, c, tag.KEY)"
    ),
    ("lambda = 1 or tag.x = 1 and Status = x", "unknown field 'Status'"),
    ("1; DROP TABLE runs", "unexpected ';'"),
    ("lambda = 1 -- comment", "unexpected '--' after a complete condition"),
    ("lambda = 1 /* x */", "unexpected '/'"),
    ("lambda = 1 or 1=1", "expected a field (a column or tag.KEY) at '1'"),
    ("a = `x`", "unexpected '`'"),
    ("a = 1 | b = 2", "unexpected '|'"),
    ("a ! 1", "unexpected '!'"),
    (#"status = "done"#, #"a string opened with " is never closed"#),
    ("status = 'it''s", "a string opened with ' is never closed"),
    ("lambda >=", "expected a value after '>=' at the end"),
    ("lambda >= and status = x", "expected a value after '>=' at 'and'"),
    ("a = null", "expected a value after '=' at 'null'"),
    ("()", "expected a field (a column or tag.KEY) at ')'"),
    ("", "the expression is empty"),
    (" \n ", "the expression is empty"),
    ("a = 1 b = 2", "unexpected 'b' after a complete condition"),
    ("a = 1)", "unexpected ')' after a complete condition"),
    ("(a = 1", "expected ')' at the end"),
    ("tag. = 1", "expected a field (a column or tag.KEY) at 'tag.'"),
    ("and = 1", "expected a field (a column or tag.KEY) at 'and'"),
    ("run.id = 1", "expected a field (a column or tag.KEY) at 'run.id'"),
    (#""a" = 1"#, #"expected a field (a column or tag.KEY) at '"a"'"#),
    ("a 1", "expected an operator after 'a' at '1'"),
    ("a not = 1", "expected 'in' or 'between' after 'not' at '='"),
    ("a is 1", "expected 'null' after 'is' at '1'"),
    ("a in 1", "expected '(' after 'in' at '1'"),
    ("a in ()", "expected a value after '(' at ')'"),
    ("a in (1,", "expected a value after ',' at the end"),
    ("a in (1 2)", "expected ',' or ')' in the list at '2'"),
    ("a between 1 or 2", "expected 'and' in 'between' at 'or'"),
    ("lr < abc", "lr holds numbers and cannot be compared with 'abc'"),
    ("status = x and lr = 'abc'", "lr holds numbers and cannot be compared with 'abc'"),
    ("lambda in (0.1, x)", "lambda holds numbers and cannot be compared with 'x'"),
    ("id between 1 and last", "id holds numbers and cannot be compared with 'last'"),
    ("validation_error < inf", "validation_error holds numbers and cannot be compared with 'inf'"),
    (
      String(repeating: "(", count: 101) + "a = 1" + String(repeating: ")", count: 101),
      "nested deeper than 100 levels"
    ),
    (String(repeating: "not ", count: 101) + "a = 1", "nested deeper than 100 levels"),
    (String(repeating: "(", count: 5000), "nested deeper than 100 levels"),
    (String(repeating: "a = 1 or ", count: 1200) + "a = 1", "longer than 10000 characters"),
  ]

  @Test(arguments: rejected)
  func rejectedExpressionsSayWhy(text: String, message: String) {
    do {
      let sql = try Self.sql(text)
      Issue.record("'\(text)' was accepted as \(sql.condition)")
    } catch let error as ReportError {
      guard case .invalidFilter(let description) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(description.contains(message), "\(description)")
      #expect(!description.contains("\n"))
      #expect("\(error)".hasPrefix("where: "))  // the key; the command line says --where
    } catch {
      Issue.record("not a ReportError: \(error)")
    }
  }

  @Test func nestingAndLengthUpToTheLimitsAreAccepted() throws {
    let deep = String(repeating: "(", count: 100) + "a = 1" + String(repeating: ")", count: 100)
    #expect(try Self.sql(deep).condition == #"run."a" = :filter1"#)
    let negations = String(repeating: "not ", count: 100) + "a = 1"
    #expect(try Self.sql(negations).condition.hasPrefix("NOT (NOT ("))
    let long = String(repeating: "a = 1 or ", count: 1110) + "a = 1"
    #expect(long.count <= 10_000)
    #expect(try Self.sql(long).parameters.count == 1111)
  }

  @Test(arguments: [#"x' OR 1=1 --"#, #""); DROP TABLE runs; --"#, "a\"b'c;\n--*/"])
  func textValuesReachOnlyTheParameters(payload: String) throws {
    let quoted = "\"" + payload.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    let sql = try Self.sql("status = \(quoted) or tag.note in (b, \(quoted))")
    #expect(
      sql.condition == #"(run."status" = :filter1 OR \#(Self.tag(2)) IN (:filter3, :filter4))"#)
    #expect(sql.parameters["filter1"] == .text(payload))
    #expect(sql.parameters["filter4"] == .text(payload))
    for fragment in ["'", ";", "--", "1=1", "DROP", "TABLE", "runs", "*/", "\n"] {
      #expect(!sql.condition.contains(fragment), "\(fragment)")
    }
  }

  @Test func theSQLRunsAgainstARunDatabase() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("nnlab-filter-\(UUID().uuidString).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let database = try RunDatabase.open(path: path)
    let lambdas = [0.1, 1, 3]
    let tags = [["epochs": "9", "note": "baseline"], ["epochs": "10"], ["note": "x' OR 1=1 --"]]
    var ids: [Int64] = []
    for (lambda, tags) in zip(lambdas, tags) {
      ids.append(try database.createRun(RunSpec.example(lambda: lambda), tags: tags).id)
    }
    defer { try? database.close() }

    func matches(_ text: String) throws -> [Int64] {
      let sql = try RunFilter(parsing: text).sql(fields: ["id", "lambda", "status"], row: "run")
      let result = try database.select(
        "SELECT id FROM runs AS run WHERE \(sql.condition) ORDER BY id", parameters: sql.parameters
      )
      return result.column("id").compactMap { value in
        if case .integer(let id) = value { id } else { nil }
      }
    }
    #expect(try matches("tag.epochs > 9") == [ids[1]])
    #expect(try matches("tag.epochs in (9, 10.0)") == [ids[0], ids[1]])
    #expect(try matches("tag.note = baseline or lambda between 2 and 3") == [ids[0], ids[2]])
    #expect(try matches("tag.note is null and not lambda < 1") == [ids[1]])
    #expect(try matches("status not in (finished, failed) and lambda != 1") == [ids[0], ids[2]])
    #expect(try matches(#"tag.note = "x' OR 1=1 --""#) == [ids[2]])
    #expect(try matches(#"status = "x' OR 1=1 --""#) == [])
    #expect(try matches("id >= 1") == ids)
  }
}
