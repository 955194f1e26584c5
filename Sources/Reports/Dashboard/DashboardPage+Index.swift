import Foundation
import Tracking

extension DashboardPage {
  /// How many runs `/` lists under "recent runs".
  static let recentRuns = 20

  /// `/`: the sweeps — size, runs by status, the best validation error, start, progress — and
  /// the latest runs.
  public static func index(in store: any RunStore) throws -> String {
    let runs = try store.runs()
    let sweeps = sweepSummaries(try store.sweeps(), runs)
    let sweepRows = sweeps.map { sweep, members in
      [
        String(sweep.id), sweep.name ?? "", String(members.count), statusList(members),
        Run.ranked(members).first?.finalError.map(ReportText.human) ?? "—", sweep.createdAt,
        SweepProgress(members).percent,
      ]
    }
    let recent = runs.suffix(recentRuns).reversed()
    let runRows = recent.map { run in
      [
        String(run.id), run.spec.sweepId.map(String.init) ?? "—", run.spec.name ?? "",
        state(of: run).text, run.spec.layers, ReportText.human(run.spec.lambda),
        ReportText.human(run.spec.learningRate), run.finalError.map(ReportText.human) ?? "—",
      ]
    }
    let title = "nnlab — " + ((store.path as NSString?)?.lastPathComponent ?? "runs")
    return document(
      title: title, subtitle: "\(sweeps.count) sweeps, \(runs.count) runs",
      body: [
        liveSection(
          id: "sweeps", "Sweeps", "Every sweep, the latest first.",
          [
            table(
              [
                "sweep", "name", "runs", "by status", "best validation error", "started",
                "progress",
              ], sweepRows, links: sweeps.map { "/sweeps/\($0.sweep.id)" }),
            download("/sweeps.csv"),
          ]),
        liveSection(
          id: "recent", "Recent runs", "The \(recentRuns) latest runs.",
          [
            table(
              ["run", "sweep", "name", "state", "layers", "λ", "α", "final error"], runRows,
              links: recent.map { "/runs/\($0.id)" }),
            download("/runs.csv"),
          ]),
      ])
  }

  /// `/sweeps.csv`: the index's sweeps with every digit: each status's count in a column of
  /// its own, and the epochs done and planned.
  public static func sweepsTable(in store: any RunStore) throws -> QueryResult {
    let sweeps = sweepSummaries(try store.sweeps(), try store.runs())
    let columns =
      ["sweep_id", "name", "runs"] + RunStatus.allCases.map(\.rawValue)
      + ["best_validation_error", "created_at", "epochs_done", "epochs_planned"]
    return QueryResult(
      columns: columns,
      rows: sweeps.map { sweep, members in
        let progress = SweepProgress(members)
        return [.integer(sweep.id), sweep.name.map(SQLValue.text) ?? .null]
          + [.integer(Int64(members.count))]
          + RunStatus.allCases.map { status in
            .integer(Int64(members.count { $0.status == status }))
          }
          + [
            Run.ranked(members).first?.finalError.map(SQLValue.real) ?? .null,
            .text(sweep.createdAt), .integer(Int64(progress.done)),
            .integer(Int64(progress.planned)),
          ]
      })
  }

  /// Each sweep, the latest first, with its runs.
  private static func sweepSummaries(_ sweeps: [Sweep], _ runs: [Run]) -> [(
    sweep: Sweep, members: [Run]
  )] {
    let bySweep = Dictionary(grouping: runs) { $0.spec.sweepId ?? 0 }
    return sweeps.reversed().map { ($0, bySweep[$0.id] ?? []) }
  }

  /// `3 finished, 1 running`: the runs by status, in the statuses' order.
  static func statusList(_ runs: [Run]) -> String {
    var counts: [RunStatus: Int] = [:]
    for run in runs { counts[run.status, default: 0] += 1 }
    return RunStatus.allCases.compactMap { status in
      counts[status].map { "\($0) \(status.rawValue)" }
    }.joined(separator: ", ")
  }
}

/// How far a sweep has come: its runs' epochs done against those asked for, and when, at the
/// pace so far, the rest will be done.
struct SweepProgress {
  /// The epochs done: all of an ended run's (it will train no more), a running or interrupted
  /// run's last epoch.
  let done: Int
  let planned: Int
  /// When the first run started.
  let started: Date?

  init(_ runs: [Run]) {
    planned = runs.reduce(0) { $0 + $1.spec.epochs }
    done = runs.reduce(0) { total, run in
      switch run.status {
      case .finished, .diverged, .failed: total + run.spec.epochs
      default: total + min(run.lastEpoch ?? 0, run.spec.epochs)
      }
    }
    // Stored times sort as the times do: the earliest is parsed alone.
    started = runs.compactMap(\.startedAt).min().flatMap(Timestamp.date)
  }

  var percent: String {
    planned == 0 ? "—" : String(format: "%.0f %%", Double(done) / Double(planned) * 100)
  }

  /// The seconds left at the pace since the first start; nil before any epoch or when done.
  func secondsLeft(at now: Date = Date()) -> Double? {
    guard let started, done > 0, done < planned else { return nil }
    return now.timeIntervalSince(started) / Double(done) * Double(planned - done)
  }
}
