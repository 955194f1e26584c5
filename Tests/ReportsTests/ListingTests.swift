import Foundation
import TestSupport
import Testing
import Tracking

@testable import Reports

/// `nnlab runs`' listing, and the read-only guard every report and user query goes through,
/// on the fixture — which none of them may change.
@Suite struct ListingTests {
  /// Filters with the runs they must select, decided here from the storage layer's records.
  static let filters: [(String, @Sendable (Run) -> Bool)] = [
    ("lambda >= 0.03 and status = finished", { $0.spec.lambda >= 0.03 && $0.status == .finished }),
    (
      "lr in (100) or train_examples = 10",
      { $0.spec.learningRate == 100 || $0.spec.trainExamples == 10 }
    ),
    ("not status = 'finished'", { $0.status != .finished }),
    (
      "validation_error between 0.5 and 1.5",
      { ($0.finalValidationError ?? -1) >= 0.5 && ($0.finalValidationError ?? 2) <= 1.5 }
    ),
    (
      "train_examples is null and sweep = 1",
      { $0.spec.trainExamples == nil && $0.spec.sweepId == 1 }
    ),
    ("diverged_epoch is not null", { $0.divergedEpoch != nil }),
    (
      "(lambda = 0 or lambda = 30) and seed = 2",
      { [0, 30].contains($0.spec.lambda) && $0.spec.seed == 2 }
    ),
    ("layers = 2-8-3", { $0.spec.layers == "2-8-3" }),
    ("name = \"x' OR 1=1 --\"", { _ in false }),
  ]

  @Test(arguments: filters)
  func aFilterSelectsWhatItSays(_ text: String, _ selects: @Sendable (Run) -> Bool) throws {
    let store = try Fixture.open()
    let expected = try store.runs().filter(selects).map { SQLValue.integer($0.id) }
    let listing = RunListing(filter: try RunFilter(parsing: text))
    #expect(try listing.run(on: store).column("id") == expected)
  }

  /// Injections are refused by the parser or end up as values; the file is untouched.
  @Test(arguments: [
    "1; DROP TABLE runs", "lambda = 1; DELETE FROM runs", "lambda = 1 -- comment",
    "lambda = 1 /* */", "lambda = 1 or 1=1", "status = 'finished' or ''='", "lambda = 0) OR (1=1",
    "tag.x = 1 union select * from runs",
  ])
  func injectionsAreRejectedAndChangeNothing(_ text: String) throws {
    let before = try Fixture.bytes()
    let store = try Fixture.open()
    #expect(throws: ReportError.self) {
      try RunListing(filter: try RunFilter(parsing: text)).run(on: store)
    }
    #expect(try Fixture.bytes() == before)
  }

  @Test func theListingSortsStatusesAndLimits() throws {
    let store = try Fixture.open()
    let runs = try store.runs().filter { $0.status == .finished && $0.finalValidationError != nil }
    let sorted = runs.sorted { $0.finalValidationError! > $1.finalValidationError! }
    let listing = RunListing(
      statuses: [.finished], sort: "validation_error", descending: true, limit: 3)
    #expect(try listing.run(on: store).column("id") == sorted.prefix(3).map { .integer($0.id) })
    #expect(
      try RunListing(sweep: 2).run(on: store).column("id")
        == (try store.runs(RunQuery(sweep: 2))).map { .integer($0.id) })
    #expect(throws: ReportError.self) { try RunListing(sort: "validation_eror").run(on: store) }
    let unknown = #expect(throws: ReportError.self) {
      try RunListing(filter: try RunFilter(parsing: "lamda > 1")).run(on: store)
    }
    #expect(unknown?.description.contains("known: id, sweep,") == true)
  }

  /// `RunListing.numberFields` are the columns of the `runs` report that hold numbers: every
  /// other column holds text, as the fixture's rows show (those that hold anything).
  @Test func theNumberFieldsAreTheColumnsThatHoldNumbers() throws {
    let result = try RunListing().run(on: Fixture.open())
    for column in result.columns {
      let values = result.column(column).filter { $0 != .null }
      guard !values.isEmpty else { continue }  // name and batch_size: none in the fixture
      let numbers = values.allSatisfy { $0.number != nil }
      #expect(numbers == RunListing.numberFields.contains(column), "\(column)")
      #expect(numbers || values.allSatisfy { $0.text != nil }, "\(column)")
    }
    let error = #expect(throws: ReportError.self) {
      try RunListing(filter: try RunFilter(parsing: "lr < abc")).run(on: Fixture.open())
    }
    #expect(error == .invalidFilter("lr holds numbers and cannot be compared with 'abc'"))
  }

  /// Every way SQL can write is refused before it runs, and the file stays byte for byte.
  @Test(arguments: [
    "DELETE FROM runs", "DROP TABLE runs", "UPDATE runs SET lambda = 1",
    "INSERT INTO tags VALUES (1, 'a', 'b')", "ATTACH 'other.sqlite' AS other",
    "PRAGMA writable_schema = 1", "SELECT 1; DELETE FROM runs", "SELECT 1; SELECT 2",
    "WITH x AS (SELECT 1) DELETE FROM runs", "CREATE TABLE t (x)", "ALTER TABLE runs ADD c",
    "BEGIN IMMEDIATE", "VACUUM", "REINDEX", "ANALYZE",
  ])
  func userSQLThatWritesIsRefused(_ sql: String) throws {
    let before = try Fixture.bytes()
    let store = try Fixture.open()
    let error = #expect(throws: TrackingError.self) { try store.select(sql) }
    guard case .refusedQuery = error else {
      Issue.record("\(sql): \(String(describing: error))")
      return
    }
    #expect(try Fixture.bytes() == before)
  }

  @Test func userSQLReadsWithBoundParameters() throws {
    let store = try Fixture.open()
    let result = try store.select(
      "SELECT COUNT(*) AS n FROM runs WHERE sweep_id = :sweep -- trailing comment\n",
      parameters: ["sweep": .integer(1)])
    #expect(result == QueryResult(columns: ["n"], rows: [[.integer(6)]]))
    #expect(throws: TrackingError.invalidQuery("the query's parameter :sweep has no value")) {
      try store.select("SELECT :sweep")
    }
    #expect(throws: TrackingError.invalidQuery("the query has no parameter :extra")) {
      try store.select("SELECT 1", parameters: ["extra": .null])
    }
    #expect(throws: TrackingError.self) { try store.select("SELEC 1") }
  }
}
