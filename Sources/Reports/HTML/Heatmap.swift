/// The λ × α grid as coloured cells with their values written in them: the lower the error,
/// the brighter the cell; the best cell outlined and starred, cells whose runs all diverged or
/// failed hatched.
struct Heatmap {
  struct Cell {
    /// Where the cell's value ranks among all the cells shown, from 0 (the lowest) to 1; nil
    /// for a cell without a value.
    var shade: Double?
    var label: String
    var best: Bool
    /// Every run of the cell diverged or failed.
    var hatched: Bool
    /// `data-…` attributes a script or a test can read the cell's values from.
    var data: [(String, String)]
  }

  var title: String
  var rows: [String]
  var columns: [String]
  var rowTitle: String
  var columnTitle: String
  /// By row, then column.
  var cells: [[Cell?]]
  /// Tells this heatmap's hatch pattern from another's on the same page.
  var number: Int

  var svg: String {
    let (left, top) = (90.0, 60.0)
    let cellWidth = max(64, min(150, 520 / Double(max(1, columns.count))))
    let cellHeight = 40.0
    // Wide enough for the cells, and for the title (about 7.5 pixels a character).
    let width = max(
      left + cellWidth * Double(columns.count) + 20, Double(title.count) * 7.5 + 16)
    let height = top + cellHeight * Double(rows.count) + 20
    let hatch = "hatch-\(number)"
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
        <defs><pattern id="\(hatch)" width="6" height="6" patternUnits="userSpaceOnUse" \
        patternTransform="rotate(45)"><rect width="6" height="6" class="diverged"/>\
        <line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern></defs>

        """)
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
        let colour = cell.shade.map { Palette.viridis(1 - $0) }
        let fill = colour?.colour ?? (cell.hatched ? "url(#\(hatch))" : "none")
        drawing.add(
          "rect",
          [
            "x": XML.number(x + 1), "y": XML.number(y + 1), "width": XML.number(cellWidth - 2),
            "height": XML.number(cellHeight - 2), "fill": fill,
            "class": cell.best ? "cell best" : "cell",
          ], more: cell.data.map { ("data-\($0.0)", $0.1) })
        drawing.text(
          cell.label + (cell.best ? " ★" : ""), at: (x + cellWidth / 2, y + cellHeight / 2 + 4),
          anchor: "middle", class: colour.map { $0.light ? "on-light" : "on-dark" } ?? "on-panel")
      }
    }
    return drawing.xml
  }
}
