import Foundation
import Tracking

extension DashboardPage {
  /// `/compare?runs=1,2,3`: the runs' curves overlaid, and their hyperparameters side by side,
  /// those that differ marked.
  /// - Throws: `TrackingError.runNotFound`; what reading the database throws.
  public static func compare(_ ids: [Int64], in store: any RunStore, curves options: CurveOptions)
    throws -> String
  {
    let runs = try ids.map(store.run)
    let series = try runs.map { (run: $0, epochs: try store.epochs(of: $0.id)) }
    let colours = runs.indices.map { Palette.categorical[$0 % Palette.categorical.count] }
    let fields: [(String, (Run) -> String)] = [
      ("state", { state(of: $0).text }), ("sweep", { $0.spec.sweepId.map(String.init) ?? "—" }),
      ("layers", { $0.spec.layers }), ("activation", { $0.spec.activation }),
      ("cost", { $0.spec.costFunction }), ("λ", { ReportText.human($0.spec.lambda) }),
      ("α", { ReportText.human($0.spec.learningRate) }), ("epochs", { String($0.spec.epochs) }),
      ("batch size", { $0.spec.batchSize.map(String.init) ?? "full" }),
      ("seed", { String($0.spec.seed) }),
      ("validation share", { ReportText.human($0.spec.validationFraction) }),
      ("train examples", { $0.spec.trainExamples.map(String.init) ?? "all" }),
      ("data", { $0.spec.datasetName }),
      ("final error", { $0.finalError.map(ReportText.human) ?? "—" }),
      ("best error", { $0.bestError.map(ReportText.human) ?? "—" }),
    ]
    let rows = fields.map { name, value in [name] + runs.map(value) }
    // A hyperparameter that differs between the runs (not what they measured) is marked.
    let differs = fields.indices.map { index in
      index < fields.count - 2 && Set(rows[index].dropFirst()).count > 1 ? "differs" : ""
    }
    var query = ["runs": ids.map(String.init).joined(separator: ",")]
    query["log"] = options.logarithmic.map { $0 ? "1" : "0" } ?? ""
    query["smooth"] = options.smoothing == 0 ? "" : String(options.smoothing)
    return document(
      title: "runs " + ids.map(String.init).joined(separator: ", "),
      subtitle: "\(runs.count) runs compared",
      body: [
        HTMLReport.section(
          "Hyperparameters", "Side by side; the rows that differ are marked.",
          [
            table([""] + runs.map { "run \($0.id)" }, rows, rowClasses: differs),
            download("/runs.csv?runs=" + ids.map(String.init).joined(separator: ",")),
          ]),
        liveSection(
          id: "curves", "Curves", "One line per run, at most \(pointsPerSeries) points.",
          [curveControls(options, path: "/compare", query: query)]
            + learningCurves(series, colours: colours, options: options)),
      ])
  }
}
