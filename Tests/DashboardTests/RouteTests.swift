import CSV
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Tracking

@testable import Reports

/// The dashboard's routes on the reports' fixture (three sweeps of spirals), through
/// Hummingbird's router test client.
@Suite struct RouteTests {
  /// Sends a GET for each of `uris` to a dashboard of `store`; returns status, headers, body.
  static func get(
    _ uris: [String], from store: (any RunStore)? = nil, token: String? = nil,
    headers: HTTPFields = [:]
  ) async throws -> [(status: HTTPResponse.Status, headers: HTTPFields, body: String)] {
    let store = try store ?? Fixture.open()
    let dashboard = Dashboard(store: store, token: token)
    return try await dashboard.application(host: "127.0.0.1", port: 0).test(.router) { client in
      var responses: [(HTTPResponse.Status, HTTPFields, String)] = []
      for uri in uris {
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        responses.append((response.status, response.headers, String(buffer: response.body)))
      }
      return responses
    }
  }

  static func get(_ uri: String, from store: (any RunStore)? = nil) async throws
    -> (status: HTTPResponse.Status, headers: HTTPFields, body: String)
  {
    try await get([uri], from: store)[0]
  }

  @Test func theIndexListsEverySweepAndTheRecentRuns() async throws {
    let store = try Fixture.open()
    let page = try await Self.get("/", from: store)
    #expect(page.status == .ok)
    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
    for sweep in try store.sweeps() { #expect(page.body.contains("href=\"/sweeps/\(sweep.id)\"")) }
    let latest = try store.runs().last!
    #expect(page.body.contains("href=\"/runs/\(latest.id)\""))
  }

  @Test func aSweepsHeatmapPrintsTheGridsValuesToFourDigits() async throws {
    let store = try Fixture.open()
    let page = try await Self.get("/sweeps/1", from: store)
    #expect(page.status == .ok)
    // The terminal grid's cells, computed by the catalog's `sweep` report.
    let grid = try Report.named("sweep").run(on: store, arguments: ["sweep": "1"])
    let values = grid.column("final_error").compactMap(\.number)
    #expect(values.count == 3)
    for value in values { #expect(page.body.contains(">\(ReportText.human(value))")) }
    // Each run's state, found by the script through data-run.
    for run in try store.runs(RunQuery(sweep: 1)) {
      #expect(page.body.contains("data-run=\"\(run.id)\">#\(run.id) finished"))
    }
    #expect(page.body.contains("Validation curve"))
  }

  @Test func theRunsTableFiltersAndSortsWithTheWhereLanguage() async throws {
    let page = try await Self.get(
      "/sweeps/1?where=lambda+%3E%3D+0.03&sort=validation_error&desc=1")
    #expect(page.status == .ok)
    let store = try Fixture.open()
    let expected = try RunListing(
      sweep: 1, filter: RunFilter(parsing: "lambda >= 0.03"), sort: "validation_error",
      descending: true
    ).run(on: store).column("id").map { ReportText.human($0) }
    #expect(expected.count == 4)
    let table = page.body.components(separatedBy: "id=\"runs-table\"")[1]
    let shown = table.components(separatedBy: "<td><a href=\"/runs/").dropFirst().map {
      String($0.prefix { $0 != "\"" })
    }
    #expect(shown == expected)
  }

  @Test func badIdsFiltersAndSettingsAre4xxWithAMessage() async throws {
    let cases: [(String, HTTPResponse.Status, String)] = [
      ("/sweeps/999", .notFound, "999"), ("/sweeps/abc", .badRequest, "'abc' is not an id"),
      ("/runs/0", .badRequest, "'0' is not an id"), ("/runs/99999", .notFound, "99999"),
      ("/sweeps/1?where=lambda+%3C", .badRequest, "where"),
      ("/sweeps/1?where=nosuchfield+%3D+1", .badRequest, "nosuchfield"),
      ("/sweeps/1?sort=nosuchcolumn", .badRequest, "nosuchcolumn"),
      ("/sweeps/1?pin=x", .badRequest, "pin"), ("/runs/1?smooth=2", .badRequest, "smooth"),
      ("/runs/1?log=yes", .badRequest, "log"), ("/runs/1?snapshots=-1", .badRequest, "snapshots"),
      ("/compare", .badRequest, "runs"), ("/compare?runs=1,x", .badRequest, "runs"),
      ("/compare?runs=1,99999", .notFound, "99999"), ("/sweeps/999/runs.csv", .notFound, "999"),
      ("/nothing-here", .notFound, "Not Found"),
    ]
    let responses = try await Self.get(cases.map(\.0))
    for ((uri, status, words), response) in zip(cases, responses) {
      #expect(response.status == status, "\(uri)")
      #expect(response.body.contains(words), "\(uri): \(response.body)")
      #expect(response.headers[.contentSecurityPolicy] == SecurityHeadersPolicy.expected, "\(uri)")
    }
  }

  @Test func aRunsPageShowsItsLayersChecksAndChosenSnapshots() async throws {
    let store = try Fixture.open()
    let run = try store.runs(RunQuery(sweep: 1))[0]
    let page = try await Self.get("/runs/\(run.id)?snapshots=0,100&smooth=0.6&log=1", from: store)
    #expect(page.status == .ok)
    for chart in ["‖D(l)‖", "update ratio", "saturated units", "validation error", "accuracy"] {
      #expect(page.body.contains("<title>\(XML.escaped(chart))"), "\(chart)")
    }
    #expect(page.body.contains("Histograms of the weights of run \(run.id) at epochs 0, 100"))
    #expect(page.body.contains(run.spec.datasetSha256))
    // The fixture checks no gradient (EscapingTests has a run that does).
    #expect(try store.gradientChecks(of: run.id).isEmpty)
    #expect(page.body.contains("No gradient check was recorded."))
  }

  @Test func aComparisonMarksTheHyperparametersThatDiffer() async throws {
    let store = try Fixture.open()
    let runs = try store.runs(RunQuery(sweep: 1))
    // Two runs of different λ and the same α.
    let (a, b) = (runs.first!, runs.first { $0.spec.lambda != runs.first!.spec.lambda }!)
    let page = try await Self.get("/compare?runs=\(a.id)&runs=\(b.id)", from: store)
    #expect(page.status == .ok)
    #expect(page.body.contains("<tr class=\"differs\"><td>λ</td>"))
    #expect(page.body.contains("<tr class=\"\"><td>α</td>"))
    #expect(page.body.contains("#\(a.id) λ") && page.body.contains("#\(b.id) λ"))
  }

  @Test func longSeriesAreThinnedToFiveHundredPoints() {
    let points = (0...1_000).map { (x: Double($0), y: 1 / Double($0 + 1)) }
    let thinned = DashboardPage.curve(points, .init())
    #expect(thinned.count <= 500)
    #expect(thinned.last!.x == 1_000)
    // Smoothing: the average of a constant is that constant from the first point on.
    let smoothed = DashboardPage.curve(
      (0..<10).map { (x: Double($0), y: 2.5) }, .init(smoothing: 0.9))
    #expect(smoothed.allSatisfy { abs($0.y - 2.5) < 1e-12 })
  }

  @Test func everyTableOfEveryPageHasADownloadThatAnswersWithCSV() async throws {
    let store = try Fixture.open()
    let run = try store.runs(RunQuery(sweep: 1))[0].id
    let pages = try await Self.get(
      ["/", "/sweeps/1", "/runs/\(run)", "/compare?runs=\(run),2"], from: store)
    for page in pages {
      let tables = page.body.components(separatedBy: "<table").count - 1
      let links = page.body.matches(of: /<p class="download"><a href="([^"]*)">/).map {
        String($0.1).replacingOccurrences(of: "&amp;", with: "&")
      }
      // The hyperparameters beside the runs' curves is compare's one table; the sweep's
      // heatmap is drawn, not a table, and has its grid's link too.
      #expect(links.count >= tables, "\(links) for \(tables) tables")
      for (status, headers, body) in try await Self.get(links, from: store) {
        #expect(status == .ok)
        #expect(headers[.contentType] == "text/csv; charset=utf-8")
        #expect(body.contains("\r\n"))
      }
    }
  }

  @Test func theSweepsDownloadHoldsEachStatusCountAndTheBestErrorToTheLastDigit() async throws {
    let store = try Fixture.open()
    let csv = try CSVReader(
      string: try await Self.get("/sweeps.csv", from: store).body, hasHeaderRow: true)
    let header = try #require(csv.headerRow)
    var rows: [[String]] = []
    while let row = csv.next() { rows.append(row) }
    let sweeps = try store.sweeps()
    #expect(rows.map { Int64($0[0]) } == sweeps.reversed().map(\.id))
    for row in rows {
      let runs = try store.runs(RunQuery(sweep: Int64(row[0])!))
      let best = runs.filter { $0.status == .finished }.compactMap(\.finalError).min()
      #expect(
        Double(row[header.firstIndex(of: "best_validation_error")!])?.bitPattern == best?.bitPattern
      )
      #expect(Int(row[header.firstIndex(of: "finished")!]) == runs.count { $0.status == .finished })
      #expect(Int(row[header.firstIndex(of: "runs")!]) == runs.count)
    }
    // The compared runs' rows, in the order of their ids.
    let compared = try CSVReader(
      string: try await Self.get("/runs.csv?runs=3,1", from: store).body, hasHeaderRow: true)
    var ids: [String] = []
    while let row = compared.next() { ids.append(row[0]) }
    #expect(ids == ["1", "3"])
  }

  @Test func pagesFetchNothingFromAnotherSiteAndRunOnlyTheServersScript() async throws {
    let responses = try await Self.get([
      "/", "/sweeps/1", "/runs/1", "/compare?runs=1,2", "/static/dashboard.js",
      "/static/dashboard.css",
    ])
    for (status, headers, body) in responses {
      #expect(status == .ok)
      #expect(headers[.contentSecurityPolicy] == SecurityHeadersPolicy.expected)
      // Every link, source and form stays on this server.
      for match in body.matches(of: /(?:src|href|action)="([^"]*)"/) {
        #expect(match.1.hasPrefix("/"), "\(match.0)")
      }
      #expect(!body.contains("@import") && !body.contains("url(http"))
      // No inline script, no event-handler attribute.
      #expect(
        !body.contains("<script>") && !body.contains(" onclick=") && !body.contains(" onload="))
    }
    #expect(responses[4].headers[.contentType] == "text/javascript; charset=utf-8")
    #expect(responses[0].body.contains("<script src=\"/static/dashboard.js\" defer></script>"))
  }
}

/// The policy the server must send, written out here rather than read from the server.
enum SecurityHeadersPolicy {
  static let expected =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}
