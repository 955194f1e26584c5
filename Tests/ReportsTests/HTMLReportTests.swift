import Foundation
import TestSupport
import Testing
import Tracking

@testable import Reports

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The HTML report of the fixture's first sweep: well-formed, self-contained, one drawing per
/// chart, and the heatmap carrying the database's values.
@Suite struct HTMLReportTests {
  /// Element names and attributes, in document order, of XML that parsed; nil if it did not.
  final class Outline: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []

    static func parse(_ text: String) -> Outline? {
      let outline = Outline()
      let parser = XMLParser(data: Data(text.utf8))
      parser.delegate = outline
      return parser.parse() ? outline : nil
    }

    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String]
    ) {
      elements.append((name, attributes))
    }
  }

  static let html = Result { try HTMLReport.html(of: .sweep(1), in: try Fixture.open()) }

  @Test func theDocumentAndEveryDrawingAreWellFormedXML() throws {
    let html = try Self.html.get()
    let outline = try #require(Outline.parse(html), "the document is not well-formed")
    // The heatmap, the validation curve, three learning curves, the best and the worst run's
    // gradient norms, and a histogram for each of the two layers.
    #expect(outline.elements.filter { $0.name == "svg" }.count == 9)
    #expect(outline.elements.filter { $0.name == "section" }.count == 6)
    var rest = html[...]
    var drawings = 0
    while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>") {
      #expect(Outline.parse(String(rest[start.lowerBound..<end.upperBound])) != nil)
      drawings += 1
      rest = rest[end.upperBound...]
    }
    #expect(drawings == 9)
  }

  @Test func nothingIsFetched() throws {
    let html = try Self.html.get()
    // Every address is an XML namespace; no script at all.
    var rest = html[...]
    while let found = rest.range(of: #"https?://"#, options: .regularExpression) {
      let before = rest[..<found.lowerBound].suffix(7)
      #expect(
        before == "xmlns=\"",
        "an address outside a namespace: \(rest[found.lowerBound...].prefix(60))")
      rest = rest[found.upperBound...]
    }
    #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("<img"))
  }

  @Test func heatmapCellsCarryTheDatabasesValues() throws {
    let store = try Fixture.open()
    let grid = try Report.named("sweep").run(on: store, arguments: ["sweep": "1"])
    let outline = try #require(Outline.parse(try Self.html.get()))
    let cells = outline.elements.filter { $0.attributes["data-value"] != nil }
    #expect(cells.count == grid.rows.count)
    for row in grid.records {
      let cell = try #require(
        cells.first {
          $0.attributes["data-lambda"] == RowText.plain(row["lambda"] ?? .null)
            && $0.attributes["data-lr"] == RowText.plain(row["lr"] ?? .null)
        })
      // Every digit: the value reads back as the same Double.
      #expect(
        Double(cell.attributes["data-value"] ?? "")?.bitPattern
          == row["final_error"]?.number?.bitPattern)
      #expect((cell.attributes["class"] == "cell best") == (row["best"] == .integer(1)))
    }
  }

  /// Sweep 3: α = 0.3 finished, α = 100 diverged — its cell hatched and marked, and its run
  /// the "diverged" one of the gradient norms.
  @Test func aDivergedCellIsHatchedAndItsGradientsShown() throws {
    let store = try Fixture.open()
    let html = try HTMLReport.html(of: .sweep(3), in: store)
    let outline = try #require(Outline.parse(html))
    let cells = outline.elements.filter { $0.attributes["data-lr"] != nil }
    let diverged = try #require(cells.first { $0.attributes["data-lr"] == "100.0" })
    let finished = try #require(cells.first { $0.attributes["data-lr"] == "0.3" })
    #expect(
      diverged.attributes["fill"] == "url(#hatch-0)" && diverged.attributes["data-value"] == "")
    #expect(finished.attributes["fill"]?.hasPrefix("#") == true)
    #expect(html.contains(">÷</text>"))
    let run = try #require(try store.runs(RunQuery(sweep: 3, statuses: [.diverged])).first)
    #expect(html.contains("run \(run.id), diverged (λ = 0, α = 100)"))
  }

  @Test func textIsEscapedAndControlCharactersLeftOut() {
    #expect(XML.escaped("<b>&\"x'\u{1}y\tz") == "&lt;b&gt;&amp;&quot;x&#39;y\tz")
    var drawing = SVG(width: 10, height: 10, title: "a\u{7}<title>")
    drawing.text("\u{0}5 < 6", at: (1, 2))
    #expect(Outline.parse(drawing.xml) != nil)
  }

  @Test func chosenRunsGetTheirSeriesAndTable() throws {
    let store = try Fixture.open()
    let diverging = try store.runs(RunQuery(sweep: 3)).map(\.id)
    let html = try HTMLReport.html(of: .runs(diverging), in: store)
    let outline = try #require(Outline.parse(html))
    // No sweep: no grid or validation curve; the finished run's curves, gradients, weights.
    #expect(!outline.elements.contains { $0.attributes["data-value"] != nil })
    #expect(outline.elements.filter { $0.name == "tr" }.count == diverging.count + 1)
    #expect(throws: TrackingError.runNotFound(99)) {
      try HTMLReport.html(of: .runs([99]), in: store)
    }
  }

  @Test func scalesPlaceZeroBelowTheFirstDecadeAndPickRoundTicks() {
    let lambda = Scale([0, 0.03, 30], kind: .logarithmic(withZero: true), from: 0, to: 500)
    #expect(lambda.ticks.map(\.label) == ["0", "0.01", "0.1", "1", "10", "100"])
    #expect(lambda.position(0) == 0 && lambda.position(100) == 500)
    #expect(lambda.position(0.01) == 100 && !lambda.contains(-1))
    let linear = Scale([0.13, 1.87], kind: .linear, from: 0, to: 100)
    #expect(linear.ticks.map(\.label) == ["0", "0.5", "1", "1.5", "2"])
    #expect(HTMLReport.histograms([[0, 0, 1], [1]]).map { $0.map(\.y).reduce(0, +) } == [6, 2])
  }
}
