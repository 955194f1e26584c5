/// What is wrong with data a user gives: one line naming the input (file, line, column) and
/// the problem.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
  /// The file is missing, or is a directory.
  case missingFile(String)
  /// The file cannot be read.
  case unreadable(String)
  /// The content is wrong: ragged rows, a non-number, no rows, a missing column, …
  case invalid(String)

  public var description: String {
    switch self {
    case .missingFile(let message), .unreadable(let message), .invalid(let message): message
    }
  }
}
