/// What can be wrong with a report request, each case one line naming the input.
public enum ReportError: Error, Equatable, CustomStringConvertible {
  /// A filter expression (`where`) that does not parse, or names an unknown field.
  case invalidFilter(String)
  /// No catalog report has this name.
  case unknownReport(String, known: [String])
  /// A parameter the report does not take.
  case invalidParameter(String)
  /// A setting's value a report cannot use: its key (`sort`, `param sweep`) and the problem,
  /// which follows it; the command line names the option.
  case invalidSetting(key: String, problem: String)
  /// A report file whose header is malformed.
  case invalidReportFile(String)
  /// The database holds nothing of what the report is about (no sweep, say).
  case nothingToReport(String)

  public var description: String {
    switch self {
    case .invalidFilter(let message): "where: \(message)"
    case .invalidSetting(let key, let problem): key + problem
    case .unknownReport(let name, let known):
      "there is no report '\(name)' (the catalog: \(known.joined(separator: ", ")))"
    case .invalidParameter(let message), .invalidReportFile(let message),
      .nothingToReport(let message):
      message
    }
  }
}
