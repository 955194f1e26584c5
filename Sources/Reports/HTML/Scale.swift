import Foundation

/// Maps values to pixels along one axis of a chart, and chooses its ticks: a linear scale on
/// round numbers, or a logarithmic one on powers of ten — optionally with 0 placed a decade
/// below the smallest positive value (λ = 0 on a log axis of λ).
struct Scale {
  enum Kind: Equatable {
    case linear
    case logarithmic(withZero: Bool)
  }

  let kind: Kind
  /// Whether the lowest decade of a log scale stands for 0 (its values hold a zero).
  let placesZero: Bool
  /// The domain, in values (linear) or in log10 of values (logarithmic).
  let low: Double
  let high: Double
  /// The pixels `low` and `high` map to.
  let start: Double
  let end: Double
  /// The distance between ticks of a linear scale.
  private let step: Double

  /// A scale over `values` (non-finite ones ignored; on a log scale, those ≤ 0 too, but for a
  /// zero when `withZero`).
  init(_ values: [Double], kind: Kind, from start: Double, to end: Double) {
    self.kind = kind
    self.start = start
    self.end = end
    placesZero = kind == .logarithmic(withZero: true) && values.contains(0)
    switch kind {
    case .linear:
      let finite = values.filter(\.isFinite)
      var (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
      if low == high {
        (low, high) = (low - max(1, abs(low) * 0.1), high + max(1, abs(high) * 0.1))
      }
      step = Self.niceStep((high - low) / 5)
      self.low = (low / step).rounded(.down) * step
      self.high = (high / step).rounded(.up) * step
    case .logarithmic:
      step = 1
      let positive = values.filter { $0.isFinite && $0 > 0 }
      var low = log10(positive.min() ?? 1).rounded(.down)
      var high = log10(positive.max() ?? 10).rounded(.up)
      if high == low { high += 1 }
      if placesZero { low -= 1 }
      (self.low, self.high) = (low, high)
    }
  }

  /// Whether `value` can be placed on this scale.
  func contains(_ value: Double) -> Bool {
    guard value.isFinite else { return false }
    return kind == .linear || value > 0 || (placesZero && value == 0)
  }

  /// The pixel of `value` (which `contains`).
  func position(_ value: Double) -> Double {
    let x: Double
    switch kind {
    case .linear: x = value
    case .logarithmic: x = value == 0 ? low : log10(value)
    }
    return start + (x - low) / (high - low) * (end - start)
  }

  /// The ticks: values with their labels.
  var ticks: [(value: Double, label: String)] {
    switch kind {
    case .linear:
      return stride(from: low, through: high + step / 2, by: step).map { value in
        let clean = abs(value) < step / 1e6 ? 0 : value
        return (clean, ReportText.human(clean))
      }
    case .logarithmic:
      let decades = Int(high - low)
      // Over many decades, a label every few, so that they do not run into each other.
      let every = max(1, (decades + 7) / 8)
      var ticks: [(Double, String)] = []
      for exponent in Int(low)...Int(high) where (exponent - Int(low)) % every == 0 {
        if placesZero && exponent == Int(low) {
          ticks.append((0, "0"))
          continue
        }
        let decade = pow(10, Double(exponent))
        ticks.append((decade, ReportText.human(decade)))
        if decades <= 2 && exponent < Int(high) {
          ticks += [2.0, 5.0].map { (decade * $0, ReportText.human(decade * $0)) }
        }
      }
      return ticks
    }
  }

  /// 1, 2 or 5 times a power of ten, the nearest above `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let magnitude = pow(10, log10(raw).rounded(.down))
    let multiple = [1.0, 2, 5, 10].first { $0 * magnitude >= raw } ?? 10
    return multiple * magnitude
  }
}
