import Foundation

/// Colours: a categorical palette and a ramp for ordered values, both readable on light and
/// dark pages, and viridis for the heatmap.
enum Palette {
  static let categorical = [
    "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
    "#9c755f", "#bab0ac",
  ]

  private static let viridis: [(Double, Double, Double)] = [
    (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142), (31, 158, 137),
    (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
  ]

  /// Blue through green and amber to red, every colour of middle lightness.
  private static let ramp: [(Double, Double, Double)] = [
    (59, 130, 246), (20, 184, 166), (132, 204, 22), (245, 158, 11), (239, 68, 68),
    (217, 70, 239),
  ]

  /// The viridis colour at `t` in [0, 1] (dark purple to yellow), and whether dark text
  /// reads on it.
  static func viridis(_ t: Double) -> (colour: String, light: Bool) {
    let rgb = interpolate(viridis, at: t)
    let luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return (hex(rgb), luminance > 140)
  }

  /// Colours for `count` ordered values (λ from small to large), from the ramp: each reads on
  /// a light page and on a dark one.
  static func ordered(_ count: Int) -> [String] {
    (0..<count).map { hex(interpolate(ramp, at: count == 1 ? 0 : Double($0) / Double(count - 1))) }
  }

  /// The colour at `t` in [0, 1] along `stops`, as red, green and blue.
  private static func interpolate(_ stops: [(Double, Double, Double)], at t: Double) -> [Double] {
    let position = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
    let index = min(Int(position), stops.count - 2)
    let fraction = position - Double(index)
    let (a, b) = (stops[index], stops[index + 1])
    return [
      a.0 + (b.0 - a.0) * fraction, a.1 + (b.1 - a.1) * fraction, a.2 + (b.2 - a.2) * fraction,
    ]
  }

  /// `#rrggbb`.
  private static func hex(_ rgb: [Double]) -> String {
    "#" + rgb.map { String(format: "%02x", Int($0.rounded())) }.joined()
  }
}
