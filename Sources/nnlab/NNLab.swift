import ArgumentParser
import Backprop
import Datasets
import Foundation
import PlainText
import Reports
import Tracking
import Training

/// The `nnlab` command: parses, calls the library, prints. Errors end as one line on stderr
/// and an exit status (64 usage, 65 bad data, 66 missing input, 74 I/O).
@main
struct NNLab: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "nnlab",
    abstract: "Backpropagation as Andrew Ng's course states it: explained, checked, tracked.",
    discussion: """
      New here? 'nnlab demo' trains a small sweep and writes its HTML report.
      Then these three:
        nnlab shapes 3-3-3     every Θ, a, z, δ, Δ and D with its shape
        nnlab trace            one step of backpropagation with every number printed
        nnlab gradcheck        backpropagation against numerical gradients
      """,
    version: version,
    subcommands: [
      Demo.self, Train.self, SweepCommand.self, WorkerCommand.self, Resume.self, Runs.self,
      Show.self,
      Compare.self, ReportCommand.self, Export.self, Evaluate.self, Predict.self, TagCommand.self,
      Rm.self, Serve.self, Shapes.self, Trace.self, Gradcheck.self, DB.self,
    ]
  )

  static func main() {
    // A write past a file size limit (ulimit -f) then fails with EFBIG and is reported in one
    // line ("file size limit reached"), instead of the signal killing the process mid-write.
    signal(SIGXFSZ, SIG_IGN)
    // Likewise a write to a pipe whose reader has gone fails with EPIPE, reported in one line.
    signal(SIGPIPE, SIG_IGN)
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let failure as CommandFailure {
      exit(printing: failure.message, code: failure.exitCode)
    } catch let error as BackpropError {
      exit(printing: error.description, code: .badData)
    } catch let error as TrackingError {
      exit(printing: error.message, code: error.exitCode)
    } catch let error as DatasetError {
      exit(printing: error.message, code: error.exitCode)
    } catch let error as TrainingError {
      exit(printing: error.message, code: error.exitCode)
    } catch let error as ReportError {
      exit(printing: error.message, code: error.exitCode)
    } catch {
      // Help, --version and a chosen exit status go through ArgumentParser unchanged; its
      // own errors are usage errors (64); anything else is taken for an I/O failure (74).
      let code = exitCode(for: error)
      if code == .success || error is ExitCode { exit(withError: error) }
      exit(
        printing: oneLine(message(for: error)),
        code: code == .validationFailure ? .usage : .ioError)
    }
  }

  /// ArgumentParser's message in one line: a long list of valid values, which it puts below
  /// the message a line each ("Please provide one of the following:\n  - queued\n…"), is
  /// written as it writes a short one ("Please provide one of 'queued', 'running' or …").
  static func oneLine(_ message: String) -> String {
    let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    let items = lines.dropFirst().filter { $0.hasPrefix("- ") }.map { "'\($0.dropFirst(2))'" }
    guard let first = lines.first, let last = items.last else {
      return lines.joined(separator: " ")
    }
    let list = items.count == 1 ? last : "\(items.dropLast().joined(separator: ", ")) or \(last)"
    return first.replacingOccurrences(of: "one of the following:", with: "one of \(list).")
  }

  private static func exit(printing message: String, code: ExitCode) -> Never {
    Terminal.standardError.write("error: \(PlainText.escaped(message))\n")
    Foundation.exit(code.rawValue)
  }
}
