/// One epoch as the write path takes it: the `epochs` row, its `layer_epochs` rows and, when
/// the snapshot policy says so, its `weight_snapshots` rows — written whole or not at all.
public struct EpochRecord: Sendable, Equatable {
  /// One layer's figures at this epoch.
  public struct Layer: Sendable, Equatable {
    public var layer: Int
    public var gradientNorm: Double
    public var weightNorm: Double
    public var updateRatio: Double
    public var saturation: Double?

    public init(
      layer: Int, gradientNorm: Double, weightNorm: Double, updateRatio: Double, saturation: Double?
    ) {
      self.layer = layer
      self.gradientNorm = gradientNorm
      self.weightNorm = weightNorm
      self.updateRatio = updateRatio
      self.saturation = saturation
    }
  }

  /// Θ^(l) at this epoch: `rows * columns` values, row-major.
  public struct Snapshot: Sendable, Equatable {
    public var layer: Int
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(layer: Int, rows: Int, columns: Int, values: [Double]) {
      self.layer = layer
      self.rows = rows
      self.columns = columns
      self.values = values
    }
  }

  public var epoch: Int
  public var cost: Double
  public var trainError: Double
  public var validationError: Double?
  public var trainAccuracy: Double?
  public var validationAccuracy: Double?
  public var gradientNorm: Double
  public var seconds: Double
  public var layers: [Layer]
  public var snapshots: [Snapshot]

  public init(
    epoch: Int, cost: Double, trainError: Double, validationError: Double? = nil,
    trainAccuracy: Double? = nil, validationAccuracy: Double? = nil, gradientNorm: Double,
    seconds: Double, layers: [Layer], snapshots: [Snapshot] = []
  ) {
    self.epoch = epoch
    self.cost = cost
    self.trainError = trainError
    self.validationError = validationError
    self.trainAccuracy = trainAccuracy
    self.validationAccuracy = validationAccuracy
    self.gradientNorm = gradientNorm
    self.seconds = seconds
    self.layers = layers
    self.snapshots = snapshots
  }

  /// Checks what SQLite would store wrongly or refuse: NaN and ±∞ (which a REAL column turns
  /// into NULL), negative epochs and layers, snapshots whose values do not fill their shape.
  /// `recordEpochs` checks every epoch so before it writes any; a writer that groups epochs
  /// checks each as it takes it, so that one bad epoch does not cost those before it.
  /// - Throws: `TrackingError.nonFiniteValue` or `.invalidValue`.
  public func validate(run: Int64) throws {
    let place = "epoch \(epoch) of run \(run)"
    guard epoch >= 0 else {
      throw TrackingError.invalidValue("\(place): the epoch must be 0 or more")
    }
    let figures: [(String, Double?)] = [
      ("cost", cost), ("train_error", trainError), ("validation_error", validationError),
      ("train_accuracy", trainAccuracy), ("validation_accuracy", validationAccuracy),
      ("gradient_norm", gradientNorm), ("seconds", seconds),
    ]
    for (name, value) in figures {
      if let value, !value.isFinite {
        throw TrackingError.nonFiniteValue("\(place): \(name) is \(value)")
      }
    }
    for layer in layers {
      guard layer.layer >= 1 else {
        throw TrackingError.invalidValue("\(place): layer \(layer.layer) is below 1")
      }
      let values: [(String, Double?)] = [
        ("gradient_norm", layer.gradientNorm), ("weight_norm", layer.weightNorm),
        ("update_ratio", layer.updateRatio), ("saturation", layer.saturation),
      ]
      for (name, value) in values {
        if let value, !value.isFinite {
          throw TrackingError.nonFiniteValue("\(place), layer \(layer.layer): \(name) is \(value)")
        }
      }
    }
    for snapshot in snapshots {
      guard snapshot.layer >= 1, snapshot.rows >= 1, snapshot.columns >= 1,
        snapshot.values.count == snapshot.rows * snapshot.columns
      else {
        throw TrackingError.invalidValue(
          "\(place): the snapshot of layer \(snapshot.layer) has \(snapshot.values.count) values"
            + " for \(snapshot.rows) × \(snapshot.columns)")
      }
      guard snapshot.values.allSatisfy(\.isFinite) else {
        throw TrackingError.nonFiniteValue(
          "\(place): the weights of layer \(snapshot.layer) hold a NaN or infinity")
      }
    }
  }
}
