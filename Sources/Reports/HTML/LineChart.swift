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
    // At most 14 rows of legend, the last saying how many more there are; long names cut.
    let keys =
      legend.count > 14
      ? Array(legend.prefix(13)) + [Key(name: "… \(legend.count - 13) more", colour: "none")]
      : legend
    for (index, key) in keys.enumerated() {
      let y = top + 8 + Double(index) * 18
      let x = Self.width - right + 12
      drawing.add(
        "line",
        [
          "x1": XML.number(x), "y1": XML.number(y), "x2": XML.number(x + 22), "y2": XML.number(y),
          "stroke": key.colour, "stroke-width": "2.5",
          "stroke-dasharray": key.dashed ? "5 3" : "none",
        ])
      let name = key.name.count > 22 ? key.name.prefix(21) + "…" : key.name
      drawing.text(String(name), at: (x + 28, y + 4), class: "legend")
    }
    return drawing.xml
  }
}
