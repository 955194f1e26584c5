/// A run's best epoch so far: the lowest error it is judged by (`Run.judgedError`); ties keep
/// the earlier epoch. The write path keeps `runs.best_epoch` with it, and the training loop's
/// early stopping watches it, so that the two cannot disagree.
public struct BestEpoch: Sendable, Equatable {
  /// The best epoch; nil before the first.
  public private(set) var epoch: Int?
  /// Its judged error.
  public private(set) var error: Double?
  /// Its validation error; nil without a validation split.
  public private(set) var validationError: Double?

  /// Before the first epoch.
  public init() {}

  /// The best epoch of `run` as recorded.
  public init(of run: Run) {
    self.init(
      epoch: run.bestEpoch, validationError: run.bestValidationError,
      lowestTrainError: run.bestTrainError)
  }

  /// The best epoch as `runs` records it: `best_epoch`, `best_validation_error` and
  /// `best_train_error` (the lowest train error, the best epoch's without a validation split).
  init(epoch: Int?, validationError: Double?, lowestTrainError: Double?) {
    self.epoch = epoch
    self.validationError = validationError
    error = Run.judgedError(validation: validationError, train: lowestTrainError)
  }

  /// Takes epoch `epoch`, which follows those noted before, as the best when its error is lower.
  public mutating func note(epoch: Int, trainError: Double, validationError: Double?) {
    guard let error = Run.judgedError(validation: validationError, train: trainError) else {
      return
    }
    if self.epoch != nil, let best = self.error, best <= error { return }
    (self.epoch, self.error, self.validationError) = (epoch, error, validationError)
  }
}
