/// The λ × α grid as coloured cells with their values written in them: the lower the error,
/// the brighter the cell; the best cell outlined and starred, diverged cells hatched.
struct Heatmap {
  struct Cell {
    /// The value the colour and label show; nil for a cell without one (diverged, failed…).
    var value: Double?
    var label: String
    var best: Bool
    var diverged: Bool
    /// Attributes a script or a test can read the cell's data from.
    var data: [(String, String)]
  }

  var title: String
  var rows: [String]
  var columns: [String]
  var rowTitle: String
  var columnTitle: String
  /// By row, then column.
  var cells: [[Cell?]]
  /// The values the colours span: those of all the heatmaps shown together, so that one colour
  /// means one value in each.
  var range: (low: Double, high: Double)

  var svg: String {
    let (left, top) = (90.0, 60.0)
    let cellWidth = min(150, 520 / Double(max(1, columns.count)))
    let cellHeight = 40.0
    // Wide enough for the cells, and for the title (about 7.5 pixels a character).
    let width = max(left + cellWidth * Double(columns.count) + 20, Double(title.count) * 7.5 + 16)
    let height = top + cellHeight * Double(rows.count) + 20
    var drawing = SVG(width: width, height: height, title: title)
    drawing.text(title, at: (8, 18), class: "title")
    drawing.text(
      columnTitle, at: (left + cellWidth * Double(columns.count) / 2, 36), anchor: "middle",
      class: "label")
    drawing.text(
      rowTitle, at: (14, top + cellHeight * Double(rows.count) / 2), anchor: "middle",
      class: "label", rotated: true)
    drawing.add(
      raw: """
        <defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" \
        patternTransform="rotate(45)"><rect width="6" height="6" class="diverged"/>\
        <line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern></defs>

        """)
    let (low, high) = range
    for (column, name) in columns.enumerated() {
      drawing.text(
        name, at: (left + (Double(column) + 0.5) * cellWidth, top - 8), anchor: "middle",
        class: "tick")
    }
    for (row, name) in rows.enumerated() {
      let y = top + Double(row) * cellHeight
      drawing.text(name, at: (left - 8, y + cellHeight / 2 + 4), anchor: "end", class: "tick")
      for (column, cell) in cells[row].enumerated() {
        guard let cell else { continue }
        let x = left + Double(column) * cellWidth
        // Lower errors brighter: the best cells stand out.
        let (fill, light) =
          cell.value.map { Palette.viridis(high > low ? 1 - ($0 - low) / (high - low) : 1) }
          ?? ("url(#hatch)", true)
        let attributes: KeyValuePairs<String, String> = [
          "x": XML.number(x + 1), "y": XML.number(y + 1), "width": XML.number(cellWidth - 2),
          "height": XML.number(cellHeight - 2), "fill": fill,
          "class": cell.best ? "cell best" : "cell",
        ]
        drawing.add(raw: Self.element("rect", attributes, data: cell.data))
        drawing.text(
          cell.label + (cell.best ? " ★" : ""), at: (x + cellWidth / 2, y + cellHeight / 2 + 4),
          anchor: "middle", class: light ? "on-light" : "on-dark")
      }
    }
    return drawing.xml
  }

  /// An element with the `data-…` attributes after the others.
  private static func element(
    _ name: String, _ attributes: KeyValuePairs<String, String>, data: [(String, String)]
  ) -> String {
    let all = attributes.map { ($0.key, $0.value) } + data.map { ("data-\($0.0)", $0.1) }
    return "<\(name) " + all.map { "\($0.0)=\"\(XML.escaped($0.1))\"" }.joined(separator: " ")
      + "/>\n"
  }
}

/// The first layer's weights of an image network, one small grey image per hidden unit: the
/// course's "visualizing the hidden layer". Each image is scaled to its own range, white the
/// largest weight; each grey level is one path.
struct WeightImages {
  var title: String
  /// One image per hidden unit: side × side weights, row-major.
  var images: [[Double]]
  var side: Int

  var svg: String {
    let columns = Int(Double(images.count).squareRoot().rounded(.up))
    let rows = (images.count + columns - 1) / max(1, columns)
    let pixel = max(1, (560 / Double(max(1, columns)) - 4) / Double(side)).rounded(.down)
    let cell = pixel * Double(side) + 4
    var drawing = SVG(
      width: cell * Double(columns) + 4, height: 30 + cell * Double(rows), title: title)
    drawing.text(title, at: (8, 18), class: "title")
    let levels = 16
    for (index, image) in images.enumerated() {
      let (x0, y0) = (4 + Double(index % columns) * cell, 30 + Double(index / columns) * cell)
      let (low, high) = (image.min() ?? 0, image.max() ?? 1)
      var paths = Array(repeating: "", count: levels)
      for (position, value) in image.enumerated() {
        let level =
          high > low ? min(levels - 1, Int((value - low) / (high - low) * Double(levels))) : 0
        let (x, y) = (x0 + Double(position % side) * pixel, y0 + Double(position / side) * pixel)
        paths[level] +=
          "M\(XML.number(x)) \(XML.number(y))h\(XML.number(pixel))v\(XML.number(pixel))h-\(XML.number(pixel))z"
      }
      for (level, path) in paths.enumerated() where !path.isEmpty {
        let grey = Int((Double(level) / Double(levels - 1) * 255).rounded())
        drawing.add("path", ["d": path, "fill": String(format: "#%02x%02x%02x", grey, grey, grey)])
      }
    }
    return drawing.xml
  }
}
