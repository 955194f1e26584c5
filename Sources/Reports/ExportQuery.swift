import Tracking

/// What `nnlab export runs|epochs|layers|gradient-checks` writes: each table's rows, selected
/// by run, sweep and epoch with bound parameters. Runs come wide (one row each:
/// hyperparameters, life, summary, tags as a JSON object), epochs, layers and gradient checks
/// long (one row per epoch, per layer).
public enum ExportQuery: String, CaseIterable, Sendable {
  case runs, epochs, layers
  case gradientChecks = "gradient-checks"

  /// The query for the rows of `run`, or of `sweep`, or of every run; of `epoch` only when
  /// given (not for `runs`).
  public func sql(run: Int64?, sweep: Int64?, epoch: Int?) -> (
    sql: String, parameters: [String: SQLValue]
  ) {
    var conditions: [String] = []
    var parameters: [String: SQLValue] = [:]
    let (select, alias) = selectClause
    if let run {
      conditions.append("\(alias).\(self == .runs ? "id" : "run_id") = :run")
      parameters["run"] = .integer(run)
    }
    if let sweep {
      conditions.append(
        self == .runs
          ? "r.sweep_id = :sweep"
          : "\(alias).run_id IN (SELECT id FROM runs WHERE sweep_id = :sweep)")
      parameters["sweep"] = .integer(sweep)
    }
    if let epoch, self != .runs {
      conditions.append("\(alias).epoch = :epoch")
      parameters["epoch"] = .integer(Int64(epoch))
    }
    let filter = conditions.isEmpty ? "" : "\nWHERE " + conditions.joined(separator: " AND ")
    return (select + filter + "\nORDER BY " + order, parameters)
  }

  private var selectClause: (String, String) {
    switch self {
    case .runs:
      (
        """
        SELECT
          r.id AS run_id, r.sweep_id, r.name, r.status, r.layers, r.activation, r.cost_function,
          r.learning_rate, r.lambda, r.epochs, r.batch_size, r.seed, r.validation_fraction,
          r.train_examples, r.snapshot_every, r.patience, r.gradcheck_every, r.dataset_name,
          r.dataset_sha256, r.created_at, r.started_at, r.finished_at,
          (julianday(COALESCE(r.finished_at, r.heartbeat_at)) - julianday(r.started_at)) * 86400
            AS seconds,
          r.host, r.pid, r.nnlab_version, r.last_epoch, r.final_cost, r.final_train_error,
          r.final_validation_error, r.final_train_accuracy, r.final_validation_accuracy,
          r.best_validation_error, r.best_epoch, r.diverged_epoch, r.stopped_early, r.error,
          (SELECT json_group_object(t.key, t.value) FROM tags t WHERE t.run_id = r.id) AS tags
        FROM runs r
        """, "r"
      )
    case .epochs:
      (
        """
        SELECT
          e.run_id, e.epoch, e.cost, e.train_error, e.validation_error, e.train_accuracy,
          e.validation_accuracy, e.gradient_norm, e.seconds
        FROM epochs e
        """, "e"
      )
    case .layers:
      (
        """
        SELECT
          l.run_id, l.epoch, l.layer, l.gradient_norm, l.weight_norm, l.update_ratio,
          l.saturation
        FROM layer_epochs l
        """, "l"
      )
    case .gradientChecks:
      (
        """
        SELECT g.run_id, g.epoch, g.layer, g.max_abs_difference, g.relative_difference
        FROM gradient_checks g
        """, "g"
      )
    }
  }

  private var order: String {
    switch self {
    case .runs: "r.id"
    case .epochs: "e.run_id, e.epoch"
    case .layers: "l.run_id, l.epoch, l.layer"
    case .gradientChecks: "g.run_id, g.epoch, g.layer"
    }
  }
}
