import Foundation
import Tracking

extension DashboardPage {
  /// What the user chose on a sweep's page: the runs table's filter and order, the runs whose
  /// curves are pinned beside the running ones, and how curves are drawn.
  public struct SweepView: Sendable, Equatable {
    /// A `--where` condition (`RunFilter`), as typed.
    public var filter: String
    /// A column of the `runs` report.
    public var sort: String
    public var descending: Bool
    public var pinned: [Int64]
    /// Every row of the runs table, not only the first `tableRows`.
    public var allRows: Bool
    public var curves: CurveOptions

    public init(
      filter: String = "", sort: String = "id", descending: Bool = false, pinned: [Int64] = [],
      allRows: Bool = false, curves: CurveOptions = CurveOptions()
    ) {
      self.filter = filter
      self.sort = sort
      self.descending = descending
      self.pinned = pinned
      self.allRows = allRows
      self.curves = curves
    }

    /// The listing the runs table (and its CSV) shows.
    public func listing(of sweep: Int64) throws -> RunListing {
      RunListing(
        sweep: sweep, filter: filter.isEmpty ? nil : try RunFilter(parsing: filter), sort: sort,
        descending: descending)
    }

    /// The view as a page's query, `changes` applied.
    func query(_ changes: [String: String] = [:]) -> [String: String] {
      var values = [
        "where": filter, "sort": sort == "id" ? "" : sort, "desc": descending ? "1" : "",
        "pin": pinned.map(String.init).joined(separator: ","), "rows": allRows ? "all" : "",
        "log": curves.logarithmic.map { $0 ? "1" : "0" } ?? "",
        "smooth": curves.smoothing == 0 ? "" : String(curves.smoothing),
      ]
      for (key, value) in changes { values[key] = value }
      return values
    }
  }

  /// `/sweeps/ID`: progress, the λ × α heatmap and each cell's runs, the validation curve and
  /// its reading, the curves of the running and pinned runs, and the runs table.
  /// - Throws: `TrackingError.sweepNotFound`; `ReportError` for a bad filter or sort key.
  public static func sweep(_ id: Int64, in store: any RunStore, view: SweepView) throws -> String {
    let sweep = try store.existingSweep(id)
    let runs = try store.runs(RunQuery(sweep: id))
    let table = try runsTable(id, in: store, view: view)
    let arguments = ["sweep": String(id)]
    var sections = [
      progress(runs),
      live(
        "grid", HTMLReport.heatmaps(try Report.named("sweep").run(on: store, arguments: arguments))),
      liveSection(
        id: "cells", "Each cell's runs",
        "The state of every run of each λ × α cell: queued, running (with its epoch), finished, diverged, failed, or stale (running, but its process is gone).",
        [cellStates(runs), download("/sweeps/\(id)/grid.csv")]),
    ]
    let validation = try Report.named("validation-curve").run(on: store, arguments: arguments)
    if Set(validation.column("lambda")).count >= 2 {
      sections.append(live("validation", HTMLReport.curves(validation, over: .lambda)))
    }
    sections.append(try curves(of: runs, in: store, view: view, sweep: id))
    sections.append(table)
    return document(
      title: "sweep \(id)" + (sweep.name.map { " — \($0)" } ?? ""),
      subtitle: "\(runs.count) runs, made \(sweep.createdAt)", body: sections)
  }

  /// Runs done against runs asked for, the time left at the pace so far, and the best so far.
  private static func progress(_ runs: [Run]) -> String {
    let progress = SweepProgress(runs)
    let best = Run.ranked(runs).first
    let left = progress.secondsLeft().map { "about " + duration($0) + " left" } ?? "—"
    let lines = [
      "<progress value=\"\(progress.done)\" max=\"\(max(1, progress.planned))\"></progress> "
        + XML.escaped(
          "\(progress.done) of \(progress.planned) epochs (\(progress.percent)); \(statusList(runs))"
        ),
      "time left: " + XML.escaped(left),
      "best so far: "
        + (best.map {
          "<a href=\"/runs/\($0.id)\">#\($0.id)</a> "
            + XML.escaped(
              runLabel($0, layers: true) + ": " + ($0.finalError.map(ReportText.human) ?? "—"))
        } ?? "none finished yet"),
    ]
    return liveSection(
      id: "progress", "Progress",
      "Epochs done of those asked for; the time left at the pace since the first run started.",
      ["<ul class=\"facts\">" + lines.map { "<li>\($0)</li>" }.joined() + "</ul>"])
  }

  /// `5 min`, `2 h 5 min`, `40 s`.
  static func duration(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    if whole < 60 { return "\(whole) s" }
    if whole < 3600 { return "\(whole / 60) min" }
    return "\(whole / 3600) h \(whole % 3600 / 60) min"
  }

  /// A table of λ (rows) × α (columns), each cell its runs' states: what the script updates
  /// as runs are claimed, train and end.
  private static func cellStates(_ runs: [Run]) -> String {
    let lambdas = Array(Set(runs.map(\.spec.lambda))).sorted()
    let rates = Array(Set(runs.map(\.spec.learningRate))).sorted()
    let heading = ["λ \\ α"] + rates.map(ReportText.human)
    let rows = lambdas.map { lambda in
      "<tr><th>\(XML.escaped(ReportText.human(lambda)))</th>"
        + rates.map { rate in
          "<td>"
            + runs.filter { $0.spec.lambda == lambda && $0.spec.learningRate == rate }
            .map(stateBadge).joined(separator: "<br/>") + "</td>"
        }.joined() + "</tr>"
    }
    return "<table class=\"states\"><thead><tr>"
      + heading.map { "<th>\(XML.escaped($0))</th>" }.joined() + "</tr></thead><tbody>"
      + rows.joined() + "</tbody></table>"
  }

  /// The learning curves of the running runs and the pinned ones.
  private static func curves(of runs: [Run], in store: any RunStore, view: SweepView, sweep: Int64)
    throws -> String
  {
    let shown = runs.filter { $0.status == .running || view.pinned.contains($0.id) }
    let series = try shown.map { (run: $0, epochs: try store.epochs(of: $0.id)) }
    let colours = shown.indices.map { Palette.categorical[$0 % Palette.categorical.count] }
    let note =
      shown.isEmpty
      ? "No run is running or pinned: pin runs in the table below to see their curves."
      : "The running runs and the pinned ones, at most \(pointsPerSeries) points a line."
    return liveSection(
      id: "curves", "Learning curves", note,
      [curveControls(view.curves, path: "/sweeps/\(sweep)", query: view.query())]
        + learningCurves(series, colours: colours, options: view.curves))
  }

  /// How many rows the runs table shows unless asked for all (the CSV has all).
  static let tableRows = 200

  /// The runs, filtered and sorted as asked, each with a box to compare it and a link to pin
  /// it; the filter's form above; the first `tableRows` unless all are asked for.
  private static func runsTable(_ sweep: Int64, in store: any RunStore, view: SweepView) throws
    -> String
  {
    let result = try view.listing(of: sweep).run(on: store).selecting(RunListing.terminalColumns)
    let path = "/sweeps/\(sweep)"
    let form = """
      <form method="get" action="\(path)" class="filter">\
      <label>where <input name="where" size="48" value="\(XML.escaped(view.filter))" \
      placeholder="lambda >= 0.1 and status = finished"/></label> \
      <input type="hidden" name="sort" value="\(XML.escaped(view.sort))"/>\
      <button>filter</button></form>
      """
    let headings = result.columns.map { column in
      let descending = column == view.sort && !view.descending
      let href = path + "?" + query(view.query(["sort": column, "desc": descending ? "1" : ""]))
      let arrow = column == view.sort ? (view.descending ? " ↓" : " ↑") : ""
      return "<th><a href=\"\(XML.escaped(href))\">\(XML.escaped(column + arrow))</a></th>"
    }
    let idColumn = result.columns.firstIndex(of: "id") ?? 0
    let shown = view.allRows ? result.rows : Array(result.rows.prefix(tableRows))
    let rows = shown.map { row in
      let id = ReportText.human(row[idColumn])
      var pins = view.pinned.map(String.init)
      let pinned = pins.contains(id)
      pins = pinned ? pins.filter { $0 != id } : pins + [id]
      let pinHref = path + "?" + query(view.query(["pin": pins.joined(separator: ",")]))
      return "<tr><td><input type=\"checkbox\" name=\"runs\" value=\"\(XML.escaped(id))\"/></td>"
        + "<td><a href=\"\(XML.escaped(pinHref))\">\(pinned ? "unpin" : "pin")</a></td>"
        + row.enumerated().map { column, value in
          column == idColumn
            ? "<td><a href=\"/runs/\(XML.escaped(id))\">\(XML.escaped(id))</a></td>"
            : "<td>\(XML.escaped(ReportText.human(value)))</td>"
        }.joined() + "</tr>"
    }
    let csv =
      "\(path)/runs.csv"
      + (view.filter.isEmpty && view.sort == "id"
        ? ""
        : "?"
          + query(["where": view.filter, "sort": view.sort, "desc": view.descending ? "1" : ""]))
    return HTMLReport.section(
      "Runs",
      "Filtered with the `nnlab runs --where` language; a heading sorts. Tick runs and compare them.",
      [
        form,
        "<form method=\"get\" action=\"/compare\"><div id=\"runs-table\" data-live><table>"
          + "<thead><tr><th></th><th></th>" + headings.joined() + "</tr></thead><tbody>"
          + rows.joined(separator: "\n") + "</tbody></table>"
          + (shown.count < result.rows.count
            ? "<p class=\"controls\">\(shown.count) of \(result.rows.count) runs shown: "
              + "<a href=\"\(XML.escaped(path + "?" + query(view.query(["rows": "all"]))))\">"
              + "show all</a></p>" : "")
          + "</div><button>compare the ticked runs</button></form>",
        download(csv),
      ])
  }
}
