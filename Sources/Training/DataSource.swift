import Datasets
import Foundation

/// Where a run's data comes from, stored with the run (as JSON) so that resume, evaluate and
/// predict load the same data again.
public enum DataSource: Codable, Sendable, Equatable {
  /// A built-in dataset: its name, size and the seed it was drawn with.
  case builtIn(name: String, examples: Int?, seed: UInt64)
  /// A CSV file and which of its columns are what.
  case csv(path: String, columns: CSVColumns)

  /// The seed the built-in datasets are drawn with unless asked otherwise, so that runs with
  /// different seeds train on the same data.
  public static let defaultDataSeed: UInt64 = 1

  /// `--data NAME|FILE.csv`: a built-in name, else a CSV file.
  public static func named(_ name: String, examples: Int?, columns: CSVColumns, dataSeed: UInt64)
    -> DataSource
  {
    BuiltInDataset(rawValue: name) != nil
      ? .builtIn(name: name, examples: examples, seed: dataSeed)
      : .csv(path: name, columns: columns)
  }

  /// The source as it is stored with a run that loaded `dataset` from it: a CSV file's path
  /// made absolute, so the run resumes from any directory, and its label column named, so
  /// evaluate and predict find it by name (the default, the last column, is only this file's).
  /// Runs recorded before the label was named store it as given: nil for the default.
  public func recorded(for dataset: Dataset) -> DataSource {
    guard case .csv(let path, var columns) = self else { return self }
    if columns.targets == nil { columns.label = dataset.labelColumn }
    return .csv(path: URL(fileURLWithPath: path).standardizedFileURL.path, columns: columns)
  }

  /// Loads (or draws) the data.
  /// - Throws: `DatasetError` for a missing, unreadable or malformed file.
  public func load() throws -> Dataset {
    switch self {
    case .builtIn(let name, let examples, let seed):
      guard let dataset = BuiltInDataset(rawValue: name) else {
        throw DatasetError.invalid(
          "there is no built-in dataset '\(name)' (built in: \(BuiltInDataset.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
      }
      try dataset.checkFits(count: examples ?? dataset.defaultExampleCount)
      return dataset.generate(count: examples, seed: seed)
    case .csv(let path, let columns):
      let looksLikeAName = !path.contains("/") && !path.contains(".")
      if looksLikeAName && !FileManager.default.fileExists(atPath: path) {
        throw DatasetError.missingFile(
          "there is no built-in dataset '\(path)' (built in: \(BuiltInDataset.allCases.map(\.rawValue).joined(separator: ", ")))"
            + " and no file of that name")
      }
      return try CSVDataset.load(path: path, columns: columns)
    }
  }

  /// Reads `runs.data_source`.
  public init(json: String) throws {
    self = try JSONDecoder().decode(DataSource.self, from: Data(json.utf8))
  }
}
