import ArgumentParser
import Datasets
import Foundation
import Reports
import Tracking
import Training

/// `nnlab sweep`: a grid of runs, trained by worker processes.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Queue a grid of runs (λ × α × …) and train them with parallel worker processes.",
    discussion: """
      Every axis takes a list: --lambda, --lr, --layers, --activation, --batch-size, --train-examples, --seed. A list is comma-separated (0,0.1,1), log-spaced (log:0.001:10:9: 9 points), or for --lambda the course's list (course). Their cartesian product is the sweep's runs. The run options are those of 'nnlab train'; the others take one value. A YAML or JSON file holds the same fields (keys as the options are named); options given beside it override it.

      Examples:
        nnlab sweep --lambda course --lr 0.3,1,3 --epochs 200
        nnlab sweep sweep.yaml --workers 2
        nnlab sweep --resume 3
      """
  )

  @Argument(help: "A YAML or JSON file of the sweep's options.")
  var file: String?

  @OptionGroup(title: "Run Options") var training: TrainingOptions
  @Option(help: "A name for the sweep.") var name: String?

  @Option(
    parsing: .unconditional, help: "Worker processes (default: the number of cores; 0 only queues)."
  )
  var workers: Int?

  @Option(parsing: .unconditional, help: "Re-queue the stopped runs of sweep N and train them.")
  var resume: Int64?

  @OptionGroup var database: DatabaseOptions

  @Flag(help: "No progress on stderr.") var quiet = false
  @Flag(help: "Print the sweep's summary as JSON on stdout.") var json = false

  func validate() throws {
    if let workers, !(0...64).contains(workers) {
      throw ValidationError("--workers must be from 0 to 64, got \(workers)")
    }
    if resume != nil && (file != nil || name != nil || !training.given.isEmpty) {
      throw ValidationError("--resume continues a sweep as it was queued; give it alone")
    }
  }

  /// The spec: the file's fields, then the options given.
  func spec() throws -> SweepSpec {
    var spec = SweepSpec()
    if let file {
      let text = String(decoding: try FileContents.read(file), as: UTF8.self)
      spec = try SweepSpec(yaml: text, name: file)
    }
    return try training.spec(over: spec, name: name)
  }

  func run() throws {
    // A new sweep's spec and every run in it are checked before the database is opened.
    let provenance = Runner.Provenance(
      nnlabVersion: NNLab.version,
      commandLine: RunStores.shown(CommandLine.arguments.joined(separator: " ")))
    var planned: (spec: SweepSpec, runs: [RunSpec])?
    if resume == nil {
      let spec = try spec()
      planned = (spec, try Sweeps.runs(of: spec, provenance: provenance))
    }
    let store = try database.open(resume == nil ? .readWrite : .existing, training: true)
    let sweep: Sweep
    if let resume {
      sweep = try store.existingSweep(resume)
      let requeued = try Sweeps.requeue(resume, in: store)
      if !quiet {
        Terminal.standardError.write("sweep \(resume): \(requeued.count) runs back in the queue\n")
      }
    } else {
      guard let planned else { return }
      let (created, runs) = try Sweeps.queue(planned.spec, runs: planned.runs, in: store)
      sweep = created
      if !quiet { Terminal.standardError.write("sweep \(sweep.id): \(runs.count) runs queued\n") }
    }
    let count = workers ?? ProcessInfo.processInfo.activeProcessorCount
    guard count > 0 else {
      print(
        "sweep \(sweep.id) queued; train it with 'nnlab worker --sweep \(sweep.id) --db \(database.shown)'"
      )
      return
    }
    Interruption.catchSignals()
    let progress = SweepProgress(
      store: store, sweep: sweep.id, enabled: !quiet && Terminal.standardError.isInteractive)
    var interrupted = try WorkerPool(sweep: sweep.id, database: database.path, count: count)
      .wait(progress: progress)
    // Another `sweep --resume` of this sweep, or a `worker`, may still be training runs of it.
    if !interrupted {
      try Sweeps.awaitOtherWorkers(
        of: sweep.id, in: store, shouldStop: { Interruption.isRequested }, poll: progress.show)
      progress.clear()
      interrupted = Interruption.isRequested
    }
    let report = SweepReport(runs: try store.runs(RunQuery(sweep: sweep.id)), sweep: sweep.id)
    if json {
      print(try report.json())
    } else {
      let grid = ReportText(
        try Report.named("sweep").run(on: store, arguments: ["sweep": String(sweep.id)]),
        view: .grid, colour: Terminal.standardOutput.usesColour)
      print(([report.text, ""] + grid.lines).joined(separator: "\n"))
      if !quiet {
        for warning in grid.warnings { Terminal.standardError.write("warning: \(warning)\n") }
      }
    }
    if interrupted {
      Terminal.standardError.write(
        "sweep \(sweep.id) interrupted; continue it with 'nnlab sweep --resume \(sweep.id)'\n")
      throw ExitCode(130)
    }
    let unfinished = report.runs.filter { $0.status == .queued || $0.status == .running }.count
    if unfinished > 0 {
      Terminal.standardError.write(
        "error: the workers stopped with \(unfinished) runs of sweep \(sweep.id) unfinished;"
          + " continue it with 'nnlab sweep --resume \(sweep.id)'\n")
      throw ExitCode.failure
    }
  }
}

/// `nnlab worker --sweep N`: claim and train a sweep's queued runs.
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker",
    abstract: "Claim the queued runs of a sweep one at a time and train them, until none is left.",
    discussion:
      "'nnlab sweep' starts these; another started by hand (in another terminal) joins in.")

  @Option(parsing: .unconditional, help: "The sweep's id.") var sweep: Int64
  @OptionGroup var database: DatabaseOptions

  func run() throws {
    let store = try database.open(.existing, training: true)
    _ = try store.existingSweep(sweep)
    Interruption.catchSignals()
    let done = try Sweeps.work(
      on: sweep, with: Runner(database: store),
      onRun: { report in print(RunSummary(report.run).text.split(separator: "\n")[0]) },
      onFailure: { run, message in
        Terminal.standardError.write("error: run \(run) failed: \(message)\n")
      },
      onLost: { run, message in
        Terminal.standardError.write(
          "note: run \(run) was taken over by another worker: \(message)\n")
      })
    if done.interrupted { throw ExitCode(130) }
  }
}
