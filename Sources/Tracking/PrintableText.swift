import PlainText

extension String {
  /// Refuses this text, `what` ("the run name"), when it holds a control character
  /// (`PlainText.escaped` lists them): names and tags are printed on terminals, where one (an
  /// escape, a carriage return) would act instead of showing.
  /// - Throws: `TrackingError.invalidValue`.
  public func requirePrintable(as what: String) throws {
    guard let control = PlainText.firstControl(in: self) else { return }
    throw TrackingError.invalidValue(
      "\(what) '\(PlainText.escaped(self))' holds a control character"
        + " (\(PlainText.escaped(String(control)))): names and tags are shown on terminals")
  }
}
