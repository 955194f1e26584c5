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
