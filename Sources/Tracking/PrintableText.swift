/// Names, tags and column names are printed on terminals, where a control character (an
/// escape, a carriage return) would act instead of showing. New ones with a control character
/// are refused; stored or given ones are shown escaped.
extension String {
  /// This text with each control character (Unicode's Cc: C0, DEL and C1) written as
  /// `\u{1B}`, so that it shows instead of acting on a terminal.
  public var escapingControlCharacters: String {
    guard unicodeScalars.contains(where: \.isControl) else { return self }
    var escaped = ""
    for scalar in unicodeScalars {
      if scalar.isControl {
        escaped += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      } else {
        escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }

  /// Refuses this text, `what` ("the run name"), when it holds a control character.
  /// - Throws: `TrackingError.invalidValue`.
  public func requirePrintable(as what: String) throws {
    guard let control = unicodeScalars.first(where: \.isControl) else { return }
    throw TrackingError.invalidValue(
      "\(what) '\(escapingControlCharacters)' holds a control character"
        + " (\(String(control).escapingControlCharacters)): names and tags are shown on terminals")
  }
}

extension Unicode.Scalar {
  /// Unicode's general category Cc.
  fileprivate var isControl: Bool { properties.generalCategory == .control }
}
