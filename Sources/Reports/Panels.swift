import Tracking

/// The numbers of `column` in `rows`, each once, in increasing order.
func distinctNumbers(_ rows: [[String: SQLValue]], _ column: String) -> [Double] {
  Array(Set(rows.compactMap { $0[column]?.number })).sorted()
}

/// Rows grouped by the values of some columns, in the order the groups first appear, with
/// headings that name the columns that differ between groups.
struct Panels {
  let axes: [String]
  let groups: [(key: [SQLValue], rows: [[String: SQLValue]])]

  init(_ rows: [[String: SQLValue]], by axes: [String]) {
    self.axes = axes
    var groups: [(key: [SQLValue], rows: [[String: SQLValue]])] = []
    for row in rows {
      let key = axes.map { row[$0] ?? .null }
      if let index = groups.firstIndex(where: { $0.key == key }) {
        groups[index].rows.append(row)
      } else {
        groups.append((key, [row]))
      }
    }
    self.groups = groups
  }

  /// `layers 400-25-10, α = 1`: the axes in `always`, and those whose value differs between
  /// groups, but for those `excluding` names.
  func heading(for key: [SQLValue], always: [String], excluding: [String] = []) -> String {
    axes.indices.filter { index in
      !excluding.contains(axes[index])
        && (always.contains(axes[index]) || Set(groups.map { $0.key[index] }).count > 1)
    }
    .map { Self.label(axes[$0], key[$0]) }
    .joined(separator: ", ")
  }

  /// An axis and its value as people write them: `α = 1`, `batch size full`, `m = all`.
  static func label(_ axis: String, _ value: SQLValue) -> String {
    let text = ReportText.human(value)
    switch axis {
    case "lr": return "α = \(text)"
    case "lambda": return "λ = \(text)"
    case "batch_size": return "batch size \(value == .null ? "full" : text)"
    case "train_examples": return "m = \(value == .null ? "all" : text)"
    default: return "\(axis) \(text)"
    }
  }
}

/// A warning when `best` is the smallest or largest of 3 or more `values` of a hyperparameter:
/// the best may lie beyond what was tried. None for a λ of 0 at the bottom (λ ≥ 0).
func edgeWarning(
  _ symbol: String, best: Double, of values: [Double], range: String, context: String = ""
) -> String? {
  guard values.count >= 3, let first = values.first, let last = values.last,
    best == last || (best == first && !(symbol == "λ" && best == 0))
  else { return nil }
  return "\(context)the best \(symbol) (\(ReportText.human(best))) is at the edge of the range"
    + " \(ReportText.human(first))…\(ReportText.human(last)): try a wider \(range) range"
}
