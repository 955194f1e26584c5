import Foundation
import Tracking

/// The `validation-curve` and `learning-curve` reports on a terminal: train and validation
/// error against λ (or m), one table per α (and other axes), each followed by what the
/// course reads from it — high bias, high variance or a good fit — in words.
struct CurveReading {
  /// What the curve runs over.
  enum Axis {
    /// λ: choosing the regularization (`validation-curve`).
    case lambda
    /// m, the number of training examples (`learning-curve`).
    case examples

    var column: String { self == .lambda ? "lambda" : "train_examples" }

    /// The columns that tell one curve from another, and those its heading always names.
    var panelAxes: (all: [String], always: [String]) {
      switch self {
      case .lambda: (["layers", "activation", "batch_size", "train_examples", "lr"], ["lr"])
      case .examples: (["layers", "activation", "batch_size", "lr", "lambda"], ["lambda", "lr"])
      }
    }
  }

  let points: [[String: SQLValue]]
  let axis: Axis

  init(_ result: QueryResult, over axis: Axis) {
    points = result.records
    self.axis = axis
  }

  func lines(colour: Bool) -> [String] {
    guard !points.isEmpty else {
      return ["no finished runs with a validation split in this sweep"]
    }
    let panels = Panels(points, by: axis.panelAxes.all)
    var lines: [String] = []
    for (key, curve) in panels.groups {
      if !lines.isEmpty { lines.append("") }
      lines.append(panels.heading(for: key, always: axis.panelAxes.always) + ":")
      lines += table(curve).lines(colour: colour).map { "  " + $0 }
      lines.append("  " + reading(curve))
    }
    return lines
  }

  private func table(_ curve: [[String: SQLValue]]) -> TextTable {
    let heading = [
      axis == .lambda ? "λ" : "m", "train error", "validation error", "gap", "diagnosis",
    ]
    var rows = [heading.map { TextTable.Cell($0, emphasis: .heading) }]
    for point in curve {
      let isBest = point["best"]?.number == 1
      let x = point[axis.column] ?? .null
      rows.append([
        TextTable.Cell(
          (axis == .examples && x == .null ? "all" : ReportText.human(x)) + (isBest ? "*" : ""),
          emphasis: isBest ? .good : .none),
        TextTable.Cell(ReportText.human(point["train_error"] ?? .null)),
        TextTable.Cell(ReportText.human(point["validation_error"] ?? .null)),
        TextTable.Cell(Self.percent(point["gap"]?.number)),
        TextTable.Cell(point["diagnosis"]?.text ?? ""),
      ])
    }
    return TextTable(rows: rows, rightAligned: [true, true, true, true, false])
  }

  /// The course's reading of one curve, in a sentence or two.
  func reading(_ curve: [[String: SQLValue]]) -> String {
    switch axis {
    case .lambda:
      guard let bestIndex = curve.firstIndex(where: { $0["best"]?.number == 1 }) else { return "" }
      let best = curve[bestIndex]
      let verdict =
        switch best["diagnosis"]?.text {
        case "high variance": "high variance even there: more training examples would help."
        case "high bias": "high bias even there: a larger network would help."
        default: "a good fit."
        }
      var text =
        "best λ = \(ReportText.human(best["lambda"] ?? .null)): validation error"
        + " \(ReportText.human(best["validation_error"] ?? .null)), train error"
        + " \(ReportText.human(best["train_error"] ?? .null)) — \(verdict)"
      if curve[..<bestIndex].contains(where: { $0["diagnosis"]?.text == "high variance" }) {
        text += " Smaller λ: high variance (the validation error well above the train error)."
      }
      if curve[(bestIndex + 1)...].contains(where: { $0["diagnosis"]?.text == "high bias" }) {
        text += " Larger λ: high bias (both errors high and close)."
      }
      return text
    case .examples:
      guard let last = curve.last else { return "" }
      let m = last["train_examples"].flatMap { $0 == .null ? nil : ReportText.human($0) } ?? "all"
      let train = ReportText.human(last["train_error"] ?? .null)
      let validation = ReportText.human(last["validation_error"] ?? .null)
      switch last["diagnosis"]?.text {
      case "high variance":
        return "at m = \(m): high variance — the validation error \(validation) is well above the"
          + " train error \(train) (gap \(Self.percent(last["gap"]?.number))): more examples should help."
      case "high bias":
        return "at m = \(m): high bias — the errors have met (train \(train), validation"
          + " \(validation)) and stay high: more examples will not help; try more hidden units or a smaller λ."
      default:
        return
          "at m = \(m): a good fit — the errors are close (gap \(Self.percent(last["gap"]?.number))) and low."
      }
    }
  }

  /// A warning for each curve whose best λ is at the edge of its range.
  var edgeWarnings: [String] {
    guard axis == .lambda else { return [] }
    return Panels(points, by: axis.panelAxes.all).groups.compactMap { _, curve in
      guard let best = curve.first(where: { $0["best"]?.number == 1 })?["lambda"]?.number else {
        return nil
      }
      return edgeWarning(
        "λ", best: best, of: distinctNumbers(curve, "lambda"), range: "regularization",
        context: "at α = \(ReportText.human(curve.first?["lr"] ?? .null)) ")
    }
  }

  /// A share as a percentage with one decimal: `31.8 %`.
  static func percent(_ share: Double?) -> String {
    share.map { String(format: "%.1f %%", $0 * 100) } ?? "—"
  }
}
