/// A training plan or a stored run that cannot be trained, in one line.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
  /// A hyperparameter outside its range, named as the command line names it.
  case invalidOption(String)
  /// Layer sizes that do not fit the data.
  case mismatch(String)
  /// An input file that does not fit the plan (init weights of the wrong shape).
  case invalidInput(String)
  /// A run that cannot be resumed as asked.
  case cannotResume(String)
  /// Something a run does not have (a snapshot at an epoch).
  case notFound(String)

  public var description: String {
    switch self {
    case .invalidOption(let message), .mismatch(let message), .invalidInput(let message),
      .cannotResume(let message), .notFound(let message):
      message
    }
  }
}
