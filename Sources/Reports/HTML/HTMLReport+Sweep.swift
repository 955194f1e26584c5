import Tracking

/// The sections of a sweep's report: drawn from the catalog's `sweep`, `validation-curve` and
/// `learning-curve` reports.
extension HTMLReport {
  /// The sections only a sweep has: its λ × α heatmaps, validation curve and learning curve.
  func sweepSections(_ id: Int64) throws -> [String] {
    let arguments = ["sweep": String(id)]
    let grid = try Report.named("sweep").run(on: store, arguments: arguments)
    var sections = [Self.heatmaps(grid)]
    let validation = try Report.named("validation-curve").run(on: store, arguments: arguments)
    if Set(validation.column("lambda")).count >= 2 {
      sections.append(Self.curves(validation, over: .lambda))
    }
    let learning = try Report.named("learning-curve").run(on: store, arguments: arguments)
    if Set(learning.column("train_examples").filter { $0 != .null }).count >= 2 {
      sections.append(Self.curves(learning, over: .examples))
    }
    return sections
  }

  /// The `sweep` report's grid as λ × α heatmaps, one per combination of the other axes.
  static func heatmaps(_ grid: QueryResult) -> String {
    let panels = Panels(grid.records, by: SweepGrid.panelAxes)
    let measured =
      grid.column("measured_on").contains(.text("train")) ? "train error" : "validation error"
    // Colour by rank among every cell shown: one colour is one place in the order on every
    // heatmap, and an outlier (a nearly diverged cell) does not wash out the others.
    let values = Array(Set(grid.column("final_error").compactMap(\.number))).sorted()
    let shade = { (value: Double) in
      values.count > 1 ? Double(values.firstIndex(of: value) ?? 0) / Double(values.count - 1) : 0
    }
    let maps = panels.groups.enumerated().map { number, panel in
      let (key, cells) = panel
      let lambdas = distinctNumbers(cells, "lambda")
      let rates = distinctNumbers(cells, "lr")
      let heading = panels.heading(for: key, always: [])
      return Heatmap(
        title: "final \(measured)" + (heading.isEmpty ? "" : " — \(heading)"),
        rows: lambdas.map(ReportText.human), columns: rates.map(ReportText.human),
        rowTitle: "λ", columnTitle: "α (learning rate)",
        cells: lambdas.map { lambda in
          rates.map { rate in
            cells.first { $0["lambda"]?.number == lambda && $0["lr"]?.number == rate }.map {
              Self.cell($0, shade: shade)
            }
          }
        }, number: number
      ).svg
    }
    return Self.section(
      "λ × α",
      "The mean final \(measured) of each cell's runs (over seeds), coloured by its rank: the brighter, the lower; ★ the best cell; ÷ some runs diverged, ! some failed, … some not finished; hatched: none finished.",
      maps)
  }

  private static func cell(_ row: [String: SQLValue], shade: (Double) -> Double) -> Heatmap.Cell {
    let value = row["final_error"]?.number
    let marks = CellMarks(row)
    return Heatmap.Cell(
      shade: value.map(shade),
      label: [value.map(ReportText.human), marks.symbols.isEmpty ? nil : marks.symbols]
        .compactMap { $0 }.joined(separator: " "),
      best: row["best"]?.number == 1, hatched: marks.nothingFinished,
      data: [
        ("lambda", RowText.plain(row["lambda"] ?? .null)),
        ("lr", RowText.plain(row["lr"] ?? .null)),
        ("value", RowText.plain(row["final_error"] ?? .null)),
        ("runs", RowText.plain(row["runs"] ?? .null)),
      ])
  }

  /// Train and validation error against λ (or m), with what the course reads from each curve.
  static func curves(_ result: QueryResult, over axis: CurveReading.Axis) -> String {
    let reading = CurveReading(result, over: axis)
    let panels = Panels(reading.points, by: axis.panelAxes.all)
    var charts: [String] = []
    var readings: [String] = []
    // The validation curve draws a line pair per α on one chart; each other combination of
    // axes is a chart of its own, named in its title.
    let lineAxis = axis == .lambda ? "lr" : nil
    let chartAxes = axis.panelAxes.all.indices.filter { axis.panelAxes.all[$0] != lineAxis }
    let groups = Dictionary(grouping: panels.groups.indices) { index in
      chartAxes.map { panels.groups[index].key[$0] }
    }
    for indices in groups.values.sorted(by: { $0[0] < $1[0] }) {
      var series: [LineChart.Series] = []
      var legend: [LineChart.Key] = []
      for (index, groupIndex) in indices.enumerated() {
        let (key, curve) = panels.groups[groupIndex]
        let colour = Palette.categorical[index % Palette.categorical.count]
        let line = lineAxis.map { ", " + Panels.label($0, curve[0][$0] ?? .null) } ?? ""
        let xs = curve.map { $0[axis.column]?.number ?? .nan }
        series.append(
          .init(
            points: zip(xs, curve.map { $0["validation_error"]?.number ?? .nan }).map { ($0, $1) },
            colour: colour))
        series.append(
          .init(
            points: zip(xs, curve.map { $0["train_error"]?.number ?? .nan }).map { ($0, $1) },
            colour: colour, dashed: true))
        legend += [
          .init(name: "validation" + line, colour: colour),
          .init(name: "train" + line, colour: colour, dashed: true),
        ]
        readings.append(
          "\(panels.heading(for: key, always: axis.panelAxes.always)): \(reading.reading(curve))")
      }
      let heading = panels.heading(
        for: panels.groups[indices[0]].key, always: axis.panelAxes.always,
        excluding: lineAxis.map { [$0] } ?? [])
      charts.append(
        LineChart(
          title: (axis == .lambda ? "error against λ" : "error against m")
            + (heading.isEmpty ? "" : " — " + heading),
          xLabel: axis == .lambda ? "λ (log scale; 0 at the left)" : "m, training examples",
          yLabel: "final error",
          x: axis == .lambda ? .logarithmic(withZero: true) : .linear, series: series,
          legend: legend
        ).svg)
    }
    let note =
      axis == .lambda
      ? "The course's tool for choosing λ: train error (dashed) and validation error (solid) against λ."
      : "Train error (dashed) and validation error (solid) against the number of training examples m."
    return Self.section(
      axis == .lambda ? "Validation curve" : "Learning curve", note,
      charts + [
        "<ul class=\"reading\">" + readings.map { "<li>\(XML.escaped($0))</li>" }.joined() + "</ul>"
      ])
  }
}
