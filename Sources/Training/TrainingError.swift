/// A training plan or a stored run that cannot be trained, in one line.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
  /// A spec that cannot be a sweep (an unknown key in a file, too many runs).
  case invalidOption(String)
  /// A hyperparameter's value that a run cannot have: its key, as a sweep file names it, and
  /// the problem, which follows the key ("lr" " must be …", "lr" ": 'x' is not a number"). The
  /// command line names the option instead (`--lr must be …`).
  case invalidValue(key: String, problem: String)
  /// An input file that does not fit the plan.
  case invalidInput(String)
  /// An input a setting names that does not fit: its key (`init-weights`, `label`) and the
  /// problem, which follows it; the command line names the option.
  case invalidSettingInput(key: String, problem: String)
  /// A run that cannot be resumed as asked.
  case cannotResume(String)
  /// Something a run does not have (a snapshot at an epoch).
  case notFound(String)

  public var description: String {
    switch self {
    case .invalidOption(let message), .invalidInput(let message), .cannotResume(let message),
      .notFound(let message):
      message
    case .invalidValue(let key, let problem), .invalidSettingInput(let key, let problem):
      key + problem
    }
  }

  /// A hyperparameter's `problem`, after its key.
  static func invalid(_ key: SweepSpec.CodingKeys, _ problem: String) -> TrainingError {
    .invalidValue(key: key.rawValue, problem: problem)
  }
}
