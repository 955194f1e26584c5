import Foundation
import Tracking

/// The pages of `nnlab serve`, each a whole HTML document drawn from the database when asked:
/// the same charts as the HTML report, readable without JavaScript. The page's style and its
/// one script are files of the server's (`/static/…`), so a Content-Security-Policy can allow
/// nothing else. Every value from the database is escaped.
///
/// Parts that change while runs train are elements with an `id` and `data-live`: the script
/// fetches the page again when the server says something changed and swaps those elements.
public enum DashboardPage {
  /// How a page draws its curves: the user's choice, in the page's query.
  public struct CurveOptions: Sendable, Equatable {
    /// A log y axis; nil chooses one where the values span a factor of 10 or more.
    public var logarithmic: Bool?
    /// The weight w of an exponential moving average, 0 (none) ≤ w < 1.
    public var smoothing: Double

    public init(logarithmic: Bool? = nil, smoothing: Double = 0) {
      self.logarithmic = logarithmic
      self.smoothing = smoothing
    }
  }

  /// The most points a series is drawn with (the server thins longer ones).
  static let pointsPerSeries = 500

  /// A document: the header with the way home, the title, and `body`.
  static func document(title: String, subtitle: String, body: [String]) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title>\(XML.escaped(title))</title>
    <link rel="stylesheet" href="/static/dashboard.css"/>
    <script src="/static/dashboard.js" defer></script>
    </head>
    <body>
    <nav><a href="/">nnlab</a> <span class="muted" id="live-status">not live (no script)</span></nav>
    <header><h1>\(XML.escaped(title))</h1><p class="muted">\(XML.escaped(subtitle))</p></header>
    <main>
    \(body.joined(separator: "\n"))
    </main>
    </body>
    </html>

    """
  }

  /// A section whose content the script refreshes: `id` names it on every version of the page.
  static func liveSection(id: String, _ heading: String, _ note: String, _ content: [String])
    -> String
  {
    live(id, HTMLReport.section(heading, note, content))
  }

  /// `section` (an `HTMLReport.section`) marked for the script to refresh, named `id`.
  static func live(_ id: String, _ section: String) -> String {
    section.replacingOccurrences(of: "<section>", with: "<section id=\"\(id)\" data-live>")
  }

  /// A table of text cells, each escaped; `links` turns a row's first cell into a link.
  static func table(
    _ heading: [String], _ rows: [[String]], links: [String?]? = nil, rowClasses: [String]? = nil
  ) -> String {
    let body = rows.enumerated().map { index, cells in
      let rowClass = rowClasses.map { " class=\"\(XML.escaped($0[index]))\"" } ?? ""
      let first = cells.first.map { text in
        links?[index].map { "<a href=\"\(XML.escaped($0))\">\(XML.escaped(text))</a>" }
          ?? XML.escaped(text)
      }
      return "<tr\(rowClass)>"
        + ([first ?? ""] + cells.dropFirst().map(XML.escaped))
        .map { "<td>\($0)</td>" }.joined() + "</tr>"
    }
    return "<table><thead><tr>" + heading.map { "<th>\(XML.escaped($0))</th>" }.joined()
      + "</tr></thead><tbody>" + body.joined(separator: "\n") + "</tbody></table>"
  }

  /// A link to download a table as CSV.
  static func download(_ href: String) -> String {
    "<p class=\"download\"><a href=\"\(XML.escaped(href))\">download CSV</a></p>"
  }

  /// What a run is doing, as a word a page shows and a class it is styled by: its status, a
  /// running run's epoch, or `stale` for a running run whose process is gone.
  public static func state(of run: Run) -> (word: String, text: String) {
    if run.isStale() { return ("stale", "stale") }
    switch run.status {
    case .running: return ("running", "running, epoch \(run.lastEpoch.map(String.init) ?? "—")")
    case .diverged:
      return ("diverged", "diverged at epoch \(run.divergedEpoch.map(String.init) ?? "—")")
    default: return (run.status.rawValue, run.status.rawValue)
    }
  }

  /// A run's state as an element the script can find by run: `data-run`.
  static func stateBadge(of run: Run) -> String {
    let (word, text) = state(of: run)
    return "<a href=\"/runs/\(run.id)\" class=\"state \(word)\" data-run=\"\(run.id)\">"
      + "#\(run.id) \(XML.escaped(text))</a>"
  }

  /// `1,2,3` and `runs=1&runs=2` alike: the ids in a query's values, in order, each once.
  public static func ids(_ values: [String]) -> [Int64]? {
    var ids: [Int64] = []
    for part in values.flatMap({ $0.split(separator: ",") }) {
      guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else { return nil }
      if !ids.contains(id) { ids.append(id) }
    }
    return ids
  }

  // MARK: Curves

  /// One chart per figure of `epochs`' rows, a line per run in `runs`' colours: the learning
  /// curves of several runs, thinned to `pointsPerSeries`, smoothed and scaled as asked.
  static func learningCurves(
    _ series: [(run: Run, epochs: [Epoch])], colours: [String], options: CurveOptions
  ) -> [String] {
    let figures: [(String, (Epoch) -> Double?)] = [
      ("cost J (with λ)", { $0.cost }), ("train error", { $0.trainError }),
      ("validation error", { $0.validationError }),
    ]
    let legend = zip(series, colours).map { entry, colour in
      LineChart.Key(name: "#\(entry.run.id) " + runLabel(entry.run), colour: colour)
    }
    return figures.compactMap { title, value in
      let lines = zip(series, colours).map { entry, colour in
        LineChart.Series(
          points: curve(
            entry.epochs.compactMap { epoch in value(epoch).map { (Double(epoch.epoch), $0) } },
            options),
          colour: colour)
      }
      return chart(title: title, lines: lines, legend: legend, options: options)
    }
  }

  /// `points` thinned to `pointsPerSeries` and smoothed by `options.smoothing`: an exponential
  /// moving average s_t = w·s_{t−1} + (1 − w)·x_t, divided by 1 − w^t so the start is not
  /// pulled to 0 (as TensorBoard smooths).
  static func curve(_ points: [(x: Double, y: Double)], _ options: CurveOptions) -> [(
    x: Double, y: Double
  )] {
    var smoothed = points
    let weight = options.smoothing
    if weight > 0 {
      var average = 0.0
      var power = 1.0
      for index in smoothed.indices where smoothed[index].y.isFinite {
        average = weight * average + (1 - weight) * smoothed[index].y
        power *= weight
        smoothed[index].y = average / (1 - power)
      }
    }
    return HTMLReport.thinned(smoothed, to: pointsPerSeries - 1)
  }

  /// A line chart of `lines` over epochs, on the y scale `options` asks for; nil without points.
  static func chart(
    title: String, lines: [LineChart.Series], legend: [LineChart.Key], options: CurveOptions
  ) -> String? {
    let ys = lines.flatMap { $0.points.map(\.y) }
    guard !ys.isEmpty else { return nil }
    let logarithmic = options.logarithmic ?? Sparkline.wantsLogScale(ys)
    return LineChart(
      title: title, xLabel: "epoch", yLabel: title + (logarithmic ? " (log)" : ""),
      y: logarithmic ? .logarithmic(withZero: false) : .linear, series: lines, legend: legend
    ).svg
  }

  /// Links that switch the log axis and the smoothing, keeping the rest of `query`.
  static func curveControls(_ options: CurveOptions, path: String, query: [String: String])
    -> String
  {
    func link(_ text: String, _ changes: [String: String], current: Bool) -> String {
      var merged = query
      for (key, value) in changes { merged[key] = value }
      let href = path + "?" + Self.query(merged)
      return current
        ? "<strong>\(XML.escaped(text))</strong>"
        : "<a href=\"\(XML.escaped(href))\">\(XML.escaped(text))</a>"
    }
    let scale = [
      link("auto", ["log": ""], current: options.logarithmic == nil),
      link("log", ["log": "1"], current: options.logarithmic == true),
      link("linear", ["log": "0"], current: options.logarithmic == false),
    ]
    let smoothing = [0, 0.6, 0.9].map { (weight: Double) -> String in
      let text = weight == 0 ? "" : String(weight)
      return link(
        text.isEmpty ? "off" : text, ["smooth": text], current: options.smoothing == weight)
    }
    return "<p class=\"controls\">y axis: " + scale.joined(separator: " · ") + " — smoothing: "
      + smoothing.joined(separator: " · ") + "</p>"
  }

  /// What a query's value may hold unencoded: `urlQueryAllowed` but the separators.
  private static let queryValueCharacters = CharacterSet.urlQueryAllowed.subtracting(
    CharacterSet(charactersIn: "&=+;#"))

  /// `key=value&…` of the non-empty values, sorted by key, percent-encoded.
  static func query(_ values: [String: String]) -> String {
    values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map {
      "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: queryValueCharacters) ?? "")"
    }.joined(separator: "&")
  }

  /// `λ = 0.03, α = 3`, and the layers when asked.
  static func runLabel(_ run: Run, layers: Bool = false) -> String {
    (layers ? run.spec.layers + ", " : "")
      + "λ = \(ReportText.human(run.spec.lambda)), α = \(ReportText.human(run.spec.learningRate))"
  }
}
