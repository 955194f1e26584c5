import Foundation

/// A small SVG writer: a drawing of a given size to which elements are added as text, every
/// attribute value and text escaped, so the result is well-formed XML. Colours that follow the
/// page's light or dark scheme are CSS classes of the HTML report (`axis`, `grid`, `muted`).
struct SVG {
  let width: Double
  let height: Double
  /// Read by screen readers, and shown as a tooltip.
  let title: String
  private var body = ""

  init(width: Double, height: Double, title: String) {
    self.width = width
    self.height = height
    self.title = title
  }

  /// Adds `<name attributes…>text</name>`, or `<name attributes…/>` without text; `more`
  /// are attributes after the others (a chart's `data-…`).
  mutating func add(
    _ name: String, _ attributes: KeyValuePairs<String, String>,
    more: [(String, String)] = [], text: String? = nil
  ) {
    body += "<\(name)"
    for (key, value) in attributes.map({ ($0.key, $0.value) }) + more {
      body += " \(key)=\"\(XML.escaped(value))\""
    }
    body += text.map { ">\(XML.escaped($0))</\(name)>" } ?? "/>"
    body += "\n"
  }

  /// Adds text already written as SVG (another drawing's elements).
  mutating func add(raw: String) { body += raw }

  mutating func line(from a: (Double, Double), to b: (Double, Double), class kind: String) {
    add(
      "line",
      [
        "x1": XML.number(a.0), "y1": XML.number(a.1), "x2": XML.number(b.0), "y2": XML.number(b.1),
        "class": kind,
      ])
  }

  /// Text at (x, y); `anchor` is start, middle or end.
  mutating func text(
    _ text: String, at point: (Double, Double), anchor: String = "start", class kind: String = "",
    rotated: Bool = false
  ) {
    let (x, y) = (XML.number(point.0), XML.number(point.1))
    if rotated {
      add(
        "text",
        [
          "x": x, "y": y, "text-anchor": anchor, "class": kind,
          "transform": "rotate(-90 \(x) \(y))",
        ],
        text: text)
    } else {
      add("text", ["x": x, "y": y, "text-anchor": anchor, "class": kind], text: text)
    }
  }

  /// The drawing as an `<svg>` element.
  var xml: String {
    let (w, h) = (XML.number(width), XML.number(height))
    return """
      <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(w) \(h)" width="\(w)" height="\(h)" \
      role="img" aria-label="\(XML.escaped(title))"><title>\(XML.escaped(title))</title>
      \(body)</svg>
      """
  }
}

/// Text for XML and HTML.
enum XML {
  /// `text` with `&`, `<`, `>` and quotes escaped, and the control characters XML does not
  /// allow (all below U+0020 but tab, line feed and carriage return) left out.
  static func escaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20: continue
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// A coordinate with at most two decimals: `12.5`, `300`.
  static func number(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
  }
}
