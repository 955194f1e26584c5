import ArgumentParser
import Datasets
import Foundation
import Tracking
import Training

/// `nnlab train`: one run, every epoch recorded.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train one network by gradient descent, recording every epoch in the database.",
    discussion: """
      With no options: a 400-25-10 network on the built-in glyphs digits (5000 20 × 20 images), λ = 1, α = 1, 100 epochs, 20 % held out for validation.

      Examples:
        nnlab train
        nnlab train --data xor --hidden 8 --lr 3 --epochs 300
        nnlab train --data digits.csv --label digit --scale minmax --hidden 25 --lambda 0.3
      """
  )

  @OptionGroup var training: TrainingOptions

  @Option(
    help: ArgumentHelp("Weights to start from (JSON {\"theta\": [Θ1, …]}).", valueName: "file.json")
  )
  var initWeights: String?

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var output: RunOutputOptions

  @Option(help: "A name for the run.")
  var name: String?

  @Option(
    name: .customLong("tag"),
    help: ArgumentHelp("A tag for the run; repeat for more.", valueName: "key=value"))
  var tags: [String] = []

  func validate() throws {
    _ = try training.oneRun()
    _ = try TagCommand.parse(tags)
  }

  func run() throws {
    let weights = try initWeights.map(FileContents.read)
    // Everything about the input is checked before the database is opened: bad input makes no run.
    // The run is a sweep of one point.
    let (plan, source) = try training.oneRun()
    let prepared = try Runner.prepare(plan, on: source, initialWeights: weights)
    let runner = output.runner(for: try database.open(training: true))
    Interruption.catchSignals()
    let report = try runner.train(
      prepared,
      provenance: Runner.Provenance(
        name: name, nnlabVersion: NNLab.version,
        commandLine: RunStores.shown(CommandLine.arguments.joined(separator: " ")),
        tags: try TagCommand.parse(tags)))
    try output.finish(report)
  }
}

/// `nnlab resume RUN`: continue an interrupted run.
struct Resume: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Continue an interrupted run from its last weight snapshot to its last epoch.",
    discussion:
      "The resumed run ends with exactly the weights an uninterrupted run would have (bit for bit)."
  )

  @Argument(help: "The run's id.")
  var runID: Int64

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var output: RunOutputOptions

  func run() throws {
    let runner = output.runner(for: try database.open(.existing, training: true))
    Interruption.catchSignals()
    try output.finish(try runner.resume(runID))
  }
}

/// How `train` and `resume` show a run: progress on stderr, the result on stdout.
struct RunOutputOptions: ParsableArguments {
  @Flag(help: "No progress on stderr.")
  var quiet = false

  @Flag(help: "Print the run's summary as JSON on stdout.")
  var json = false

  @Option(
    parsing: .unconditional,
    help: "Threads for this run's matrix products (the results are the same bits with any number).")
  var threads = 1

  func validate() throws {
    guard (1...256).contains(threads) else {
      throw ValidationError("--threads must be from 1 to 256, got \(threads)")
    }
  }

  /// A runner that reports to this terminal.
  func runner(for database: any RunStore) -> Runner {
    var runner = Runner(database: database)
    runner.threads = threads
    let bar = ProgressBar(
      terminal: .standardError, enabled: !quiet && Terminal.standardError.isInteractive)
    runner.onEpoch = { progress in bar.show(progress) }
    runner.onWarning = { message in
      bar.clear()
      Terminal.standardError.write("warning: \(message)\n")
    }
    return runner
  }

  /// Prints the outcome; a diverged run exits 1 and an interrupted one 130.
  func finish(_ report: Runner.Report) throws {
    ProgressBar(terminal: .standardError, enabled: !quiet && Terminal.standardError.isInteractive)
      .clear()
    let run = report.run
    print(json ? try RunSummary(run).json(of: report) : RunSummary(run).text)
    switch report.outcome {
    case .finished, .stoppedEarly, .failed:  // a failed run ends in a thrown error, not a report
      // In place of the bar, or where there is none (a log), one line of how it went.
      if !quiet {
        let epochs = max(1, report.epochsRecorded)
        Terminal.standardError.write(
          "run \(run.id) \(run.status.rawValue) in \(String(format: "%.1f", report.seconds)) s"
            + " (\(String(format: "%.1f", report.seconds / Double(epochs) * 1000)) ms per epoch,"
            + " \(String(format: "%.0f", 100 * report.storageSeconds / max(report.seconds, 1e-9))) % recording)\n"
        )
      }
    case .diverged:
      Terminal.standardError.write("error: run \(run.id) \(run.error ?? "diverged")\n")
      throw ExitCode.failure
    case .interrupted:
      Terminal.standardError.write(
        "run \(run.id) interrupted after epoch \(run.lastEpoch ?? 0); continue it with 'nnlab resume \(run.id)'\n"
      )
      throw ExitCode(130)
    }
  }
}
