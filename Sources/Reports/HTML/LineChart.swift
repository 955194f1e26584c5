import Foundation

/// Lines on two axes, with ticks, grid, axis labels and a legend: learning curves, gradient
/// norms, the validation curve, weight histograms (as steps).
struct LineChart {
  struct Series {
    var points: [(x: Double, y: Double)]
    var colour: String
    var dashed = false
  }

  /// A legend entry: what a colour (and dash) means.
  struct Key {
    var name: String
    var colour: String
    var dashed = false
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var x: Scale.Kind = .linear
  var y: Scale.Kind = .linear
  var series: [Series]
  var legend: [Key]

  static let width = 600.0
  static let height = 340.0

  var svg: String {
    let (left, top, bottom) = (64.0, 30.0, 46.0)
    let right = legend.isEmpty ? 16.0 : 176.0
    let points = series.flatMap(\.points)
    let xScale = Scale(points.map(\.x), kind: x, from: left, to: Self.width - right)
    let yScale = Scale(points.map(\.y), kind: y, from: Self.height - bottom, to: top)
    var drawing = SVG(width: Self.width, height: Self.height, title: title)
    drawing.text(title, at: (left, 18), class: "title")
    for tick in yScale.ticks {
      let position = yScale.position(tick.value)
      drawing.line(from: (left, position), to: (Self.width - right, position), class: "grid")
      drawing.text(tick.label, at: (left - 6, position + 4), anchor: "end", class: "tick")
    }
    for tick in xScale.ticks {
      let position = xScale.position(tick.value)
      drawing.line(from: (position, top), to: (position, Self.height - bottom), class: "grid")
      drawing.text(
        tick.label, at: (position, Self.height - bottom + 16), anchor: "middle", class: "tick")
    }
    drawing.line(
      from: (left, Self.height - bottom), to: (Self.width - right, Self.height - bottom),
      class: "axis")
    drawing.line(from: (left, top), to: (left, Self.height - bottom), class: "axis")
    if xScale.placesZero {
      // The gap between 0 and the first decade: the axis is broken there.
      let gap = (xScale.position(pow(10, xScale.low + 1)) + xScale.position(0)) / 2
      drawing.text("≈", at: (gap, Self.height - bottom + 5), anchor: "middle", class: "break")
    }
    drawing.text(
      xLabel, at: ((left + Self.width - right) / 2, Self.height - 8), anchor: "middle",
      class: "label")
    drawing.text(
      yLabel, at: (14, (top + Self.height - bottom) / 2), anchor: "middle", class: "label",
      rotated: true)
    for line in series {
      // A point the scales cannot place (0 on a log axis, NaN) breaks the line.
      var segments: [[(Double, Double)]] = [[]]
      for point in line.points {
        if xScale.contains(point.x) && yScale.contains(point.y) {
          segments[segments.count - 1].append((xScale.position(point.x), yScale.position(point.y)))
        } else if !(segments.last?.isEmpty ?? true) {
          segments.append([])
        }
      }
      for segment in segments where !segment.isEmpty {
        drawing.add(
          "polyline",
          [
            "points": segment.map { "\(XML.number($0.0)),\(XML.number($0.1))" }.joined(
              separator: " "),
            "fill": "none", "stroke": line.colour, "stroke-width": "1.6",
            "stroke-dasharray": line.dashed ? "5 3" : "none",
          ])
      }
    }
    for (index, key) in legend.prefix(14).enumerated() {
      let y = top + 8 + Double(index) * 18
      let x = Self.width - right + 12
      drawing.add(
        "line",
        [
          "x1": XML.number(x), "y1": XML.number(y), "x2": XML.number(x + 22), "y2": XML.number(y),
          "stroke": key.colour, "stroke-width": "2.5",
          "stroke-dasharray": key.dashed ? "5 3" : "none",
        ])
      drawing.text(key.name, at: (x + 28, y + 4), class: "legend")
    }
    return drawing.xml
  }
}

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
