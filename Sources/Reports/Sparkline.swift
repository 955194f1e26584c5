import Foundation

/// A series drawn in one line of block characters, `▁▂▃▄▅▆▇█`, lowest to highest: how a
/// terminal shows a learning curve at a glance.
public enum Sparkline {
  static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  /// Whether `values` are better drawn on a log scale: all positive, spanning a factor of 10
  /// or more (a gradient norm falling from 0.2 to 0.002 would be a cliff and then flat).
  public static func wantsLogScale(_ values: [Double]) -> Bool {
    guard let low = values.min(), let high = values.max(), low > 0 else { return false }
    return high / low >= 10
  }

  /// `values` in at most `width` characters: when there are more values, each character is
  /// the mean of a run of consecutive ones; on a log scale, of their logarithms. Empty for an
  /// empty series.
  public static func line(_ values: [Double], width: Int = 60, logarithmic: Bool = false)
    -> String
  {
    let finite = values.map { logarithmic ? log10($0) : $0 }.filter(\.isFinite)
    guard !finite.isEmpty, width > 0 else { return "" }
    let count = min(width, finite.count)
    // Each value divided before it is added, so the mean of huge values stays finite.
    let means = (0..<count).map { bucket in
      let slice = finite[(bucket * finite.count / count)..<((bucket + 1) * finite.count / count)]
      return slice.reduce(0) { $0 + $1 / Double(slice.count) }
    }
    // Halves, so that the span of values of opposite signs near the largest Double is finite.
    let low = (means.min() ?? 0) / 2
    let span = (means.max() ?? 0) / 2 - low
    return String(
      means.map { value in
        span > 0
          ? levels[min(levels.count - 1, Int((value / 2 - low) / span * Double(levels.count)))]
          : levels[0]
      })
  }
}
