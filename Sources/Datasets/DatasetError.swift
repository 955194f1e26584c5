/// What is wrong with data a user gives: one line naming the input (file, line, column) and
/// the problem.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
  /// The file is missing, or is a directory.
  case missingFile(String)
  /// The file cannot be read.
  case unreadable(String)
  /// The content is wrong: ragged rows, a non-number, no rows, a missing column, …
  case invalid(String)
  /// A setting's value the data cannot meet: the setting's key, as a sweep file names it
  /// (`examples`), and the problem, which follows it; the command line names the option.
  case invalidSetting(key: String, problem: String)

  public var description: String {
    switch self {
    case .missingFile(let message), .unreadable(let message), .invalid(let message): message
    case .invalidSetting(let key, let problem): key + problem
    }
  }
}
