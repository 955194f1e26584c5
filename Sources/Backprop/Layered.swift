/// Values numbered by the course's 1-based layer l: `activations[1]` is a^(1) = x,
/// `weightedInputs[2]` is z^(2), `thetas[1]` is Θ^(1). Reading a layer outside `layers`
/// is a programming error.
public struct Layered<Element> {
  /// The first layer number held.
  public let firstLayer: Int
  private var storage: [Element]

  /// The values `elements`, the first numbered `firstLayer`.
  public init(_ elements: [Element], firstLayer: Int) {
    self.firstLayer = firstLayer
    self.storage = elements
  }

  /// `value` for each of the layers `layers`.
  public init(repeating value: Element, layers: Range<Int>) {
    self.init(Array(repeating: value, count: layers.count), firstLayer: layers.lowerBound)
  }

  /// The layer numbers held.
  public var layers: Range<Int> { firstLayer..<firstLayer + storage.count }

  /// The value of layer l.
  public subscript(l: Int) -> Element {
    get {
      precondition(layers.contains(l), "layer \(l) is not in \(layers)")
      return storage[l - firstLayer]
    }
    set {
      precondition(layers.contains(l), "layer \(l) is not in \(layers)")
      storage[l - firstLayer] = newValue
    }
  }

  /// Holds `value` as the next layer after the last.
  public mutating func append(_ value: Element) { storage.append(value) }

  /// The values in layer order.
  public var elements: [Element] { storage }
}

extension Layered: Equatable where Element: Equatable {}
extension Layered: Sendable where Element: Sendable {}
