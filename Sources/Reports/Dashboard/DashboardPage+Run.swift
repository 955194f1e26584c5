import Foundation
import Tracking

extension DashboardPage {
  /// `/runs/ID`: the hyperparameters and provenance, the curves, each layer's gradient norm,
  /// update ratio and saturation, the gradient checks, weight histograms at the snapshots of
  /// `snapshots` (nil: the first, middle and last), and the hidden units as images.
  /// - Throws: `TrackingError.runNotFound`; what reading the database throws.
  public static func run(
    _ id: Int64, in store: any RunStore, snapshots: [Int]?, curves options: CurveOptions
  ) throws -> String {
    let run = try store.run(id)
    let epochs = try store.epochs(of: id)
    let path = "/runs/\(id)"
    var query = ["log": options.logarithmic.map { $0 ? "1" : "0" } ?? ""]
    query["smooth"] = options.smoothing == 0 ? "" : String(options.smoothing)
    query["snapshots"] = snapshots?.map(String.init).joined(separator: ",") ?? ""
    let accuracy = [
      ("train accuracy", \Epoch.trainAccuracy), ("validation accuracy", \.validationAccuracy),
    ]
    .map { title, value in
      LineChart.Series(
        points: curve(
          epochs.compactMap { e in e[keyPath: value].map { (Double(e.epoch), $0) } }, options),
        colour: title.hasPrefix("train") ? Palette.categorical[1] : Palette.categorical[0])
    }
    let curves =
      learningCurves([(run, epochs)], colours: [Palette.categorical[0]], options: options)
      + [
        chart(
          title: "accuracy", lines: accuracy,
          legend: [
            .init(name: "validation", colour: Palette.categorical[0]),
            .init(name: "train", colour: Palette.categorical[1]),
          ], options: CurveOptions(logarithmic: false, smoothing: options.smoothing))
      ].compactMap { $0 }
    var sections = [
      HTMLReport.section(
        "Run", "What it was asked to be, where it ran, and how it ended.",
        [facts(of: run, tags: try store.tags(of: id))]),
      liveSection(
        id: "curves", "Curves",
        "Cost, errors and accuracy per epoch, at most \(pointsPerSeries) points a line.",
        [curveControls(options, path: path, query: query)] + curves
          + [download("\(path)/epochs.csv")]),
      liveSection(
        id: "layers", "Layers",
        "Per layer: ‖D(l)‖, a first layer far below the last is a gradient vanishing on its way back; the update ratio α‖D(l)‖/‖Θ(l)‖, healthy near 10⁻³; the share of saturated units in the layer Θ(l) feeds.",
        layerCharts(try store.layerEpochs(of: id), options: options) + [
          download("\(path)/layers.csv")
        ]),
      gradientChecks(try store.gradientChecks(of: id), path: path),
    ]
    let snapshotEpochs = try store.snapshotEpochs(of: id)
    if let first = snapshotEpochs.first, let last = snapshotEpochs.last {
      let chosen =
        snapshots.map { wanted in wanted.filter(snapshotEpochs.contains) }
        ?? [first, snapshotEpochs[snapshotEpochs.count / 2], last]
      sections += try HTMLReport.weightSections(of: run, which: "this run", at: chosen, in: store)
      sections.append(snapshotChooser(snapshotEpochs, chosen: chosen, path: path, query: query))
    }
    return document(
      title: "run \(id)" + (run.spec.name.map { " — \($0)" } ?? ""),
      subtitle: runLabel(run, layers: true) + " · " + state(of: run).text, body: sections)
  }

  /// The run's hyperparameters, data, provenance, life and tags as a two-column table.
  private static func facts(of run: Run, tags: [String: String]) -> String {
    let spec = run.spec
    let optional = { (value: Int?, none: String) in value.map(String.init) ?? none }
    var rows: [[String]] = [
      ["state", state(of: run).text],
      ["sweep", spec.sweepId.map(String.init) ?? "—"],
      ["layers", spec.layers], ["activation", spec.activation], ["cost", spec.costFunction],
      ["λ", ReportText.human(spec.lambda)],
      ["α (learning rate)", ReportText.human(spec.learningRate)],
      ["epochs", String(spec.epochs)], ["batch size", optional(spec.batchSize, "full")],
      ["seed", String(spec.seed)], ["validation share", ReportText.human(spec.validationFraction)],
      ["train examples", optional(spec.trainExamples, "all")],
      ["snapshot every", String(spec.snapshotEvery)],
      ["gradient check every", optional(spec.gradcheckEvery, "once, before training")],
      ["patience", optional(spec.patience, "none")],
      ["data", spec.datasetName], ["data SHA-256", spec.datasetSha256],
      ["scaling", spec.scaling ?? "none"],
      ["made", run.createdAt], ["started", run.startedAt ?? "—"],
      ["finished", run.finishedAt ?? "—"], ["heartbeat", run.heartbeatAt ?? "—"],
      ["host", run.host ?? "—"], ["pid", run.pid.map(String.init) ?? "—"],
      ["attempts", String(run.attempts)], ["nnlab", spec.nnlabVersion],
      ["command line", spec.commandLine ?? "—"],
      ["last epoch", optional(run.lastEpoch, "—")],
      ["final error", run.finalError.map(ReportText.human) ?? "—"],
      ["best error", run.bestError.map(ReportText.human) ?? "—"],
      ["best epoch", optional(run.bestEpoch, "—")],
    ]
    if let error = run.error { rows.append(["error", error]) }
    rows += tags.sorted { $0.key < $1.key }.map { ["tag " + $0.key, $0.value] }
    return table(["", ""], rows).replacingOccurrences(
      of: "<table>", with: "<table class=\"facts\">")
  }

  /// For each figure of the layer rows, one chart with a line per layer.
  private static func layerCharts(_ layers: [LayerEpoch], options: CurveOptions) -> [String] {
    let numbers = Array(Set(layers.map(\.layer))).sorted()
    let colours = numbers.indices.map { Palette.categorical[$0 % Palette.categorical.count] }
    let legend = zip(numbers, colours).map { LineChart.Key(name: "layer \($0)", colour: $1) }
    let figures: [(String, (LayerEpoch) -> Double?, Bool?)] = [
      ("‖D(l)‖", { $0.gradientNorm }, options.logarithmic),
      ("update ratio α‖D(l)‖/‖Θ(l)‖", { $0.updateRatio }, options.logarithmic),
      ("saturated units", { $0.saturation }, false),
    ]
    return figures.compactMap { title, value, logarithmic in
      let lines = zip(numbers, colours).map { layer, colour in
        LineChart.Series(
          points: curve(
            layers.filter { $0.layer == layer }.compactMap { row in
              value(row).map { (Double(row.epoch), $0) }
            }, options), colour: colour)
      }
      return chart(
        title: title, lines: lines, legend: legend,
        options: CurveOptions(logarithmic: logarithmic, smoothing: options.smoothing))
    }
  }

  private static func gradientChecks(_ checks: [GradientCheckRow], path: String) -> String {
    HTMLReport.section(
      "Gradient checks",
      checks.isEmpty
        ? "No gradient check was recorded."
        : "Backpropagation against central differences: a layer passes below 10⁻⁶ relative.",
      checks.isEmpty
        ? []
        : [
          table(
            ["epoch", "layer", "max |difference|", "relative difference"],
            checks.map {
              [
                String($0.epoch), String($0.layer), ReportText.human($0.maxAbsDifference),
                ReportText.human($0.relativeDifference),
              ]
            }),
          download("\(path)/gradient-checks.csv"),
        ])
  }

  /// Links to draw the histograms at other snapshots: each epoch toggles in or out.
  private static func snapshotChooser(
    _ epochs: [Int], chosen: [Int], path: String, query: [String: String]
  ) -> String {
    let links = epochs.map { epoch in
      let isChosen = chosen.contains(epoch)
      let next = isChosen ? chosen.filter { $0 != epoch } : (chosen + [epoch]).sorted()
      var changed = query
      changed["snapshots"] = next.isEmpty ? "none" : next.map(String.init).joined(separator: ",")
      let href = path + "?" + Self.query(changed)
      return "<a href=\"\(XML.escaped(href))\"\(isChosen ? " class=\"chosen\"" : "")>\(epoch)</a>"
    }
    return "<p class=\"controls\">snapshots (a click adds or removes one): "
      + links.joined(separator: " ") + "</p>"
  }
}
