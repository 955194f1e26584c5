import ArgumentParser
import Datasets
import Foundation
import Reports
import Tracking
import Training

/// The exit statuses of docs/cli.md ("Errors and exit statuses"), as sysexits.h names them.
extension ExitCode {
  /// 64: the command line is wrong.
  static let usage = ExitCode(64)
  /// 65: an input's content is wrong.
  static let badData = ExitCode(65)
  /// 66: an input file does not exist.
  static let missingInput = ExitCode(66)
  /// 74: reading or writing failed.
  static let ioError = ExitCode(74)
}

extension TrackingError {
  /// The exit status of docs/cli.md ("Errors and exit statuses") for this error.
  var exitCode: ExitCode {
    switch self {
    case .invalidSetting: .usage
    case .missingDatabase, .runNotFound, .sweepNotFound: .missingInput
    case .locked, .unusable, .connectionLost: .ioError
    case .notAnNNLabDatabase, .newerDatabase, .olderDatabase, .damaged, .nonFiniteValue,
      .invalidValue,
      .runNotRunning, .runHeldElsewhere, .refusedQuery, .invalidQuery, .queryTimedOut,
      .queryOutOfMemory:
      .badData
    case .whileRecording(let error, _, _): error.exitCode
    }
  }

  /// The error as the command line says it, with the command or option that helps.
  var message: String {
    switch self {
    case .queryTimedOut: description + " (--timeout)"
    case .missingDatabase(let path):
      description + " (run 'nnlab db migrate --db \(path)' to create one)"
    case .olderDatabase(let path, _):
      description + "; upgrade it with 'nnlab db migrate --db \(path)'"
    default: description
    }
  }
}

extension DatasetError {
  var exitCode: ExitCode {
    switch self {
    case .missingFile: .missingInput
    case .unreadable: .ioError
    case .invalid, .invalidSetting: .badData
    }
  }

  /// The error as the command line says it: a setting named as its option, `--examples`.
  var message: String {
    if case .invalidSetting(let key, let problem) = self {
      "--\(key)\(problem)"
    } else {
      description
    }
  }
}

extension TrainingError {
  var exitCode: ExitCode {
    switch self {
    case .invalidOption, .invalidValue: .usage
    case .invalidInput, .invalidSettingInput, .cannotResume: .badData
    case .notFound: .missingInput
    }
  }

  /// The error as the command line says it: a setting named as its option, `--lr`.
  var message: String {
    switch self {
    case .invalidValue(let key, let problem), .invalidSettingInput(let key, let problem):
      "--\(key)\(problem)"
    default: description
    }
  }
}

extension ReportError {
  var exitCode: ExitCode {
    switch self {
    case .unknownReport, .invalidParameter, .invalidSetting, .invalidFilter: .usage
    case .invalidReportFile: .badData
    case .nothingToReport: .missingInput
    }
  }

  /// The error as the command line says it: a setting named as its option, `--sort`.
  var message: String {
    switch self {
    case .invalidFilter(let problem): "--where: \(problem)"
    case .invalidSetting(let key, let problem): "--\(key)\(problem)"
    default: description
    }
  }
}

/// A failure reported as one line naming the input and the problem, with its exit status.
struct CommandFailure: Error {
  let message: String
  let exitCode: ExitCode

}
