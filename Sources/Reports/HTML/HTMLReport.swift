import Foundation
import Tracking

/// The HTML report of a sweep (or of chosen runs): one self-contained file — inline SVG and
/// CSS, no script, nothing fetched — that reads offline and from an e-mail attachment, in
/// light and dark. Its charts are drawn from the catalog's reports and the runs' series.
public struct HTMLReport {
  /// What the report is of.
  public enum Selection: Sendable {
    /// A sweep (the latest when nil): its grid and curves, and every run's series.
    case sweep(Int64?)
    /// Chosen runs: their series and table.
    case runs([Int64])
  }

  let store: any RunStore
  let runs: [Run]
  let sweep: Sweep?
  /// The finished runs, the best first (`Run.ranked`): by final error.
  let ranked: [Run]

  private init(store: any RunStore, runs: [Run], sweep: Sweep?) {
    self.store = store
    self.runs = runs
    self.sweep = sweep
    ranked = Run.ranked(runs)
  }

  /// The report of `selection` in `store`, as an HTML document.
  /// - Throws: `TrackingError.sweepNotFound` / `.runNotFound`, `ReportError.nothingToReport`
  ///   for a database without a sweep; what reading the database throws.
  public static func html(of selection: Selection, in store: any RunStore) throws -> String {
    let report: HTMLReport
    switch selection {
    case .sweep(let id):
      guard let sweep = try id.map(store.existingSweep) ?? store.sweep() else {
        throw ReportError.nothingToReport("\(store.path ?? "the database") has no sweep")
      }
      report = HTMLReport(
        store: store, runs: try store.runs(RunQuery(sweep: sweep.id)), sweep: sweep)
    case .runs(let ids):
      report = HTMLReport(store: store, runs: try ids.map(store.run), sweep: nil)
    }
    return try report.document()
  }

  private func document() throws -> String {
    var sections: [String] = []
    if let sweep {
      sections += try sweepSections(sweep.id)
    }
    sections.append(try learningCurves())
    sections.append(try gradients())
    sections += try weights()
    sections.append(runsTable())
    let title =
      sweep.map { "nnlab — sweep \($0.id)" + ($0.name.map { " (\($0))" } ?? "") }
      ?? "nnlab — runs \(runs.map { String($0.id) }.joined(separator: ", "))"
    var counts: [RunStatus: Int] = [:]
    for run in runs { counts[run.status, default: 0] += 1 }
    let summary =
      "\(runs.count) runs — "
      + RunStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" }
      }.joined(separator: ", ")
      + " · \((store.path as NSString?)?.lastPathComponent ?? "in memory") · written \(Timestamp.now())"
    return """
      <!DOCTYPE html>
      <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title>\(XML.escaped(title))</title>
      <style>\(Self.style)</style>
      </head>
      <body>
      <header><h1>\(XML.escaped(title))</h1><p class="muted">\(XML.escaped(summary))</p></header>
      \(sections.joined(separator: "\n"))
      </body>
      </html>

      """
  }

  /// A section: a heading, a sentence on how to read it, and its charts.
  static func section(_ heading: String, _ note: String, _ content: [String]) -> String {
    "<section><h2>\(XML.escaped(heading))</h2><p class=\"note\">\(XML.escaped(note))</p>"
      + "<div class=\"charts\">\(content.joined(separator: "\n"))</div></section>"
  }

  // MARK: The runs' series

  private func learningCurves() throws -> String {
    let lambdas = Array(Set(runs.map(\.spec.lambda))).sorted()
    let colours = Dictionary(uniqueKeysWithValues: zip(lambdas, Palette.ordered(lambdas.count)))
    let series = try runs.map { run in (run, Self.thinned(try store.epochs(of: run.id))) }
    let legend = lambdas.map {
      LineChart.Key(name: "λ = \(ReportText.human($0))", colour: colours[$0] ?? "gray")
    }
    var charts: [String] = []
    for (title, axis, value) in [
      ("cost J (with λ)", "cost", { (epoch: Epoch) in Optional(epoch.cost) }),
      ("train error", "train error", { (epoch: Epoch) in Optional(epoch.trainError) }),
      ("validation error", "validation error", { (epoch: Epoch) in epoch.validationError }),
    ] {
      let lines = series.map { run, epochs in
        LineChart.Series(
          points: epochs.compactMap { epoch in value(epoch).map { (Double(epoch.epoch), $0) } },
          colour: colours[run.spec.lambda] ?? "gray")
      }
      guard lines.contains(where: { !$0.points.isEmpty }) else { continue }
      let ys = lines.flatMap { $0.points.map(\.y) }
      let logarithmic = Sparkline.wantsLogScale(ys)
      charts.append(
        LineChart(
          title: title, xLabel: "epoch", yLabel: axis + (logarithmic ? " (log)" : ""),
          y: logarithmic ? .logarithmic(withZero: false) : .linear, series: lines, legend: legend
        ).svg)
    }
    return Self.section(
      "Learning curves",
      charts.isEmpty
        ? "No epoch recorded yet."
        : "Every run's cost, train and validation error per epoch, one line per run, coloured by λ.",
      charts)
  }

  private func gradients() throws -> String {
    let best = ranked.first
    // The worst: a run that diverged (its gradients exploded), else the last finished.
    let worst = runs.first { $0.status == .diverged } ?? ranked.last
    var shown = best.map { [($0, "the best")] } ?? []
    if let worst, worst.id != best?.id {
      shown.append((worst, worst.status == .diverged ? "diverged" : "the worst"))
    }
    guard !shown.isEmpty else {
      return Self.section("Gradient norms", "No run has finished or diverged yet.", [])
    }
    let charts =
      try shown
      .map { run, which in
        let layers = try store.layerEpochs(of: run.id)
        let numbers = Array(Set(layers.map(\.layer))).sorted()
        return LineChart(
          title:
            "‖D(l)‖ — run \(run.id), \(which) (λ = \(ReportText.human(run.spec.lambda)), α = \(ReportText.human(run.spec.learningRate)))",
          xLabel: "epoch", yLabel: "‖D(l)‖ (log)", y: .logarithmic(withZero: false),
          series: numbers.enumerated().map { index, layer in
            .init(
              points: Self.thinned(layers.filter { $0.layer == layer }).map {
                (Double($0.epoch), $0.gradientNorm)
              },
              colour: Palette.categorical[index % Palette.categorical.count])
          },
          legend: numbers.enumerated().map { index, layer in
            .init(
              name: "D(\(layer))", colour: Palette.categorical[index % Palette.categorical.count])
          }
        ).svg
      }
    return Self.section(
      "Gradient norms",
      "Each layer's gradient norm over the epochs, for the best finished run and the worst (a diverged one if there is one): a first layer far below the last is a gradient vanishing on its way back; a rise without end, one exploding.",
      charts)
  }

  /// Weight histograms of the best run, and its first layer drawn as images.
  private func weights() throws -> [String] {
    guard let best = ranked.first else { return [] }
    let epochs = try store.snapshotEpochs(of: best.id)
    guard let first = epochs.first, let last = epochs.last else { return [] }
    return try Self.weightSections(
      of: best, which: "the best", at: [first, epochs[epochs.count / 2], last], in: store)
  }

  /// Histograms of `run`'s weights at the snapshots of `epochs`, and its first layer at the
  /// last of them drawn as images when its inputs are a square image; `which` says in the
  /// titles why this run is shown.
  static func weightSections(of run: Run, which: String, at epochs: [Int], in store: any RunStore)
    throws -> [String]
  {
    let chosen = Array(Set(epochs)).sorted()
    guard let last = chosen.last else { return [] }
    let snapshots = try chosen.map { try store.snapshot(of: run.id, atOrBefore: $0) }
    let colours = Palette.ordered(chosen.count)
    var histograms: [String] = []
    for layer in snapshots[0].indices {
      let values = try snapshots.map { try $0[layer].weightsWithoutBias() }
      histograms.append(
        LineChart(
          title:
            "Θ(\(layer + 1)) of run \(run.id), \(which) (λ = \(ReportText.human(run.spec.lambda)))",
          xLabel: "weight (bias column left out)", yLabel: "weights",
          series: zip(Self.histograms(values), colours).map { .init(points: $0, colour: $1) },
          legend: zip(chosen, colours).map { .init(name: "epoch \($0)", colour: $1) }
        ).svg)
    }
    var sections = [
      Self.section(
        "Weights",
        "Histograms of the weights of run \(run.id) at epochs \(chosen.map(String.init).joined(separator: ", ")): λ keeps them near 0.",
        histograms)
    ]
    // Image data (a square number of inputs): each hidden unit's input weights as an image.
    if let theta1 = snapshots.last?.first {
      let side = Int(Double(theta1.cols - 1).squareRoot().rounded())
      if side >= 4 && side * side == theta1.cols - 1 {
        let values = try theta1.values()
        let images = (0..<theta1.rows).map { row in
          Array(values[(row * theta1.cols + 1)..<((row + 1) * theta1.cols)])
        }
        sections.append(
          Self.section(
            "The hidden layer",
            "Θ(1) of run \(run.id) at epoch \(last): each hidden unit's \(side) × \(side) input weights drawn as an image (white the largest), the course's “visualizing the hidden layer”.",
            [WeightImages(title: "hidden units of run \(run.id)", images: images, side: side).svg])
        )
      }
    }
    return sections
  }

  private func runsTable() -> String {
    let best = ranked.first?.id
    let heading = [
      "run", "status", "layers", "λ", "α", "epochs", "train error", "validation error",
      "best validation error", "validation accuracy",
    ]
    let rows = runs.map { run in
      let cells = [
        String(run.id), run.status.rawValue, run.spec.layers, ReportText.human(run.spec.lambda),
        ReportText.human(run.spec.learningRate), run.lastEpoch.map(String.init) ?? "—",
        run.finalTrainError.map(ReportText.human) ?? "—",
        run.finalValidationError.map(ReportText.human) ?? "—",
        run.bestValidationError.map(ReportText.human) ?? "—",
        run.finalValidationAccuracy.map { String(format: "%.1f %%", $0 * 100) } ?? "—",
      ]
      return "<tr\(run.id == best ? " class=\"best\"" : "")>"
        + cells.map { "<td>\(XML.escaped($0))</td>" }.joined() + "</tr>"
    }
    return Self.section(
      "Runs", "Every run; the best is highlighted.",
      [
        "<table><thead><tr>" + heading.map { "<th>\(XML.escaped($0))</th>" }.joined()
          + "</tr></thead><tbody>" + rows.joined(separator: "\n") + "</tbody></table>"
      ])
  }

  // MARK: Helpers

  /// At most `limit` + 1 of `values`, evenly spaced, the last always kept.
  static func thinned<T>(_ values: [T], to limit: Int = 400) -> [T] {
    let step = max(1, (values.count + limit - 1) / limit)
    return values.enumerated().filter { $0.offset % step == 0 || $0.offset == values.count - 1 }
      .map(\.element)
  }

  /// Step outlines of histograms of `samples` over their common range, 40 bins each.
  static func histograms(_ samples: [[Double]]) -> [[(x: Double, y: Double)]] {
    let all = samples.joined()
    guard let low = all.min(), let high = all.max(), high > low else {
      return samples.map { _ in [] }
    }
    let bins = 40
    let width = (high - low) / Double(bins)
    return samples.map { values in
      var counts = Array(repeating: 0, count: bins)
      for value in values { counts[min(bins - 1, Int((value - low) / width))] += 1 }
      return counts.enumerated().flatMap { bin, count in
        [
          (low + Double(bin) * width, Double(count)),
          (low + Double(bin + 1) * width, Double(count)),
        ]
      }
    }
  }
}
