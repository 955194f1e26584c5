/// The messages of TensorBoard's event files nnlab writes, each field by its number in the
/// .proto files of tensorflow/tensorboard (quoted in each comment): event.proto, summary.proto,
/// histogram.proto, tensor.proto and tensor_shape.proto in tensorboard/compat/proto/;
/// plugin_data.proto and api.proto in tensorboard/plugins/hparams/; and struct.proto of
/// protocolbuffers/protobuf (src/google/protobuf/) for the hyperparameters' values.
enum Message {
  /// `Event { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3;
  /// Summary summary = 5; } }`, its `what` filled by `what`.
  static func event(wallTime: Double, step: Int, what: (inout ProtocolBuffer) -> Void)
    -> ProtocolBuffer
  {
    ProtocolBuffer { event in
      event.double(1, wallTime)
      if step != 0 { event.varint(2, Int64(step)) }
      what(&event)
    }
  }

  /// An `Event` of one summary value: `Summary { repeated Value value = 1; }`.
  static func event(wallTime: Double, step: Int, value: ProtocolBuffer) -> ProtocolBuffer {
    event(wallTime: wallTime, step: step) { $0.message(5, ProtocolBuffer { $0.message(1, value) }) }
  }

  /// `Summary.Value { string tag = 1; oneof value { float simple_value = 2; } }`: a scalar,
  /// which TensorBoard keeps as a float32.
  static func scalar(_ tag: String, _ value: Double) -> ProtocolBuffer {
    ProtocolBuffer {
      $0.string(1, tag)
      $0.float(2, Float(value))
    }
  }

  /// The number of buckets of a histogram.
  static let buckets = 30

  /// `Summary.Value { string tag = 1; oneof value { HistogramProto histo = 5; } }` of the
  /// finite `values` (a diverged run's weights may not be) in `buckets` buckets of equal width
  /// from their least to their greatest. `HistogramProto
  /// { double min = 1; double max = 2; double num = 3; double sum = 4; double sum_squares = 5;
  /// repeated double bucket_limit = 6 [packed = true]; repeated double bucket = 7 [packed =
  /// true]; }`, bucket i holding the values from `bucket_limit` i − 1 up to `bucket_limit` i.
  static func histogram(_ tag: String, _ all: [Double]) -> ProtocolBuffer {
    let values = all.filter(\.isFinite)
    let least = values.min() ?? 0
    let greatest = values.max() ?? 0
    // Interpolated, so that weights near ±1.8e308 give finite limits.
    let count = greatest > least ? buckets : 1
    let limits = (1...count).map { index in
      let share = Double(index) / Double(count)
      return index == count ? greatest : least * (1 - share) + greatest * share
    }
    var counts = [Double](repeating: 0, count: count)
    for value in values {
      counts[limits.firstIndex { value <= $0 } ?? count - 1] += 1
    }
    let histogram = ProtocolBuffer {
      $0.double(1, least)
      $0.double(2, greatest)
      $0.double(3, Double(values.count))
      $0.double(4, values.reduce(0, +))
      $0.double(5, values.reduce(0) { $0 + $1 * $1 })
      $0.packed(6, limits)
      $0.packed(7, counts)
    }
    return ProtocolBuffer {
      $0.string(1, tag)
      $0.message(5, histogram)
    }
  }

  /// `Summary.Value { string tag = 1; SummaryMetadata metadata = 9; oneof value { TensorProto
  /// tensor = 8; } }` of the HParams plugin: `SummaryMetadata { PluginData plugin_data = 1; }`,
  /// `PluginData { string plugin_name = 1; bytes content = 2; }`, the content an
  /// `HParamsPluginData { int32 version = 1; oneof data { … } }` of version 0 whose `data` is
  /// field `field` holding `data`, and the tensor the plugin's own writer sends, an empty
  /// float vector: `TensorProto { DataType dtype = 1 (DT_FLOAT = 1); TensorShapeProto
  /// tensor_shape = 2; }`, `TensorShapeProto { repeated Dim dim = 2; }` of one Dim of size 0.
  static func hparams(_ tag: String, field: Int, _ data: ProtocolBuffer) -> ProtocolBuffer {
    let pluginData = ProtocolBuffer {
      $0.string(1, "hparams")
      $0.bytes(2, ProtocolBuffer { $0.message(field, data) }.bytes)
    }
    let emptyVector = ProtocolBuffer {
      $0.varint(1, 1)
      $0.message(2, ProtocolBuffer { $0.message(2, ProtocolBuffer()) })
    }
    return ProtocolBuffer {
      $0.string(1, tag)
      $0.message(8, emptyVector)
      $0.message(9, ProtocolBuffer { $0.message(1, pluginData) })
    }
  }
}
