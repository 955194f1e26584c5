import Foundation

/// What JSONSerialization and JSONDecoder do not say: whether an object holds a key twice
/// (they keep one of the two values without a word).
enum JSONKeys {
  /// The first key, decoded, that some object of `json` holds twice; nil when none does or
  /// `json` is not valid JSON.
  static func firstRepeated(in json: Data) -> String? {
    let (quote, backslash) = (UInt8(ascii: "\""), UInt8(ascii: "\\"))
    return json.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
      // The containers open at this point: each object's keys so far, nil for an array.
      var open: [Set<String>?] = []
      var expectsKey = false
      var i = 0
      while i < bytes.count {
        switch bytes[i] {
        case UInt8(ascii: "{"):
          open.append([])
          expectsKey = true
        case UInt8(ascii: "["):
          open.append(nil)
          expectsKey = false
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          guard open.popLast() != nil else { return nil }
          expectsKey = false
        case UInt8(ascii: ","):
          expectsKey = open.last.map { $0 != nil } ?? false
        case UInt8(ascii: ":"):
          expectsKey = false
        case quote:
          let start = i
          i += 1
          while i < bytes.count && bytes[i] != quote { i += bytes[i] == backslash ? 2 : 1 }
          guard i < bytes.count else { return nil }
          if expectsKey, !open.isEmpty,
            let key = try? JSONSerialization.jsonObject(
              with: Data(bytes[start...i]), options: .fragmentsAllowed) as? String,
            open[open.count - 1]?.insert(key).inserted == false
          {
            return key
          }
          expectsKey = false
        default:
          break
        }
        i += 1
      }
      return nil
    }
  }
}
