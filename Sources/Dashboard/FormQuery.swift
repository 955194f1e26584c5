import Foundation
import Reports

/// A request's query as an HTML form sends it (`a=1&b=x+y`, `+` a space, `%XX` a byte), with
/// the settings a page takes read from it. A value a page cannot use is a `Mistake`: 400.
struct FormQuery: Sendable {
  struct Mistake: Error {
    let message: String
  }

  private let pairs: [(key: String, value: String)]

  init(_ query: String?) {
    pairs = (query ?? "").split(separator: "&").map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let decode = { (text: Substring) in
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
      }
      return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
    }
  }

  /// The last value of `key`, nil when absent or empty.
  subscript(_ key: String) -> String? {
    pairs.last { $0.key == key && !$0.value.isEmpty }?.value
  }

  /// Every value of `key`, in order.
  func all(_ key: String) -> [String] { pairs.filter { $0.key == key }.map(\.value) }

  /// `log` (1 or 0, absent: chosen by the values) and `smooth` (0 ≤ w < 1).
  var curves: DashboardPage.CurveOptions {
    get throws {
      let logarithmic: Bool?
      switch self["log"] {
      case nil: logarithmic = nil
      case "1": logarithmic = true
      case "0": logarithmic = false
      case let other?: throw Mistake(message: "log: '\(other)' is not 1 or 0")
      }
      let smoothing = try self["smooth"].map { text in
        guard let weight = Double(text), weight >= 0, weight < 1 else {
          throw Mistake(message: "smooth: '\(text)' is not a weight from 0 up to (not including) 1")
        }
        return weight
      }
      return DashboardPage.CurveOptions(logarithmic: logarithmic, smoothing: smoothing ?? 0)
    }
  }

  /// `where`, `sort`, `desc`, `pin`, `rows` and the curves' settings of a sweep's page.
  var sweepView: DashboardPage.SweepView {
    get throws {
      guard let pinned = DashboardPage.ids(all("pin").filter { !$0.isEmpty }) else {
        throw Mistake(message: "pin: give run ids, as 1,2,3")
      }
      return DashboardPage.SweepView(
        filter: self["where"] ?? "", sort: self["sort"] ?? "id", descending: self["desc"] == "1",
        pinned: pinned, allRows: self["rows"] == "all", curves: try curves)
    }
  }

  /// `snapshots`: the epochs whose weights a run's page draws (`none`: none; absent: nil).
  var snapshots: [Int]? {
    get throws {
      guard let text = self["snapshots"] else { return nil }
      if text == "none" { return [] }
      return try text.split(separator: ",").map { part in
        guard let epoch = Int(part), epoch >= 0 else {
          throw Mistake(message: "snapshots: '\(part)' is not an epoch")
        }
        return epoch
      }
    }
  }
}
