/// The HParams plugin's records, each a summary value (`Message.hparams`) of tag
/// `_hparams_/…` (tensorboard/plugins/hparams/metadata.py): the experiment, which lists every
/// hyperparameter and metric, and each session's start (its hyperparameters) and end (its
/// status). A session is a run's folder; a metric, the last value of a scalar of that tag in it.
enum HParams {
  /// A hyperparameter's value, `google.protobuf.Value { oneof kind { double number_value = 2;
  /// string string_value = 3; } }`.
  enum Value: Hashable, Sendable {
    case number(Double)
    case text(String)

    var message: ProtocolBuffer {
      switch self {
      case .number(let number): ProtocolBuffer { $0.double(2, number) }
      case .text(let text): ProtocolBuffer { $0.string(3, text) }
      }
    }
  }

  /// How a session ended: `enum Status { STATUS_UNKNOWN = 0; STATUS_SUCCESS = 1;
  /// STATUS_FAILURE = 2; STATUS_RUNNING = 3; }`.
  enum Status: Int64 {
    case unknown = 0
    case success = 1
    case failure = 2
    case running = 3
  }

  /// `HParamsPluginData.experiment = 2`: `Experiment { double time_created_secs = 3; repeated
  /// HParamInfo hparam_infos = 4; repeated MetricInfo metric_infos = 5; }`.
  /// - `HParamInfo { string name = 1; DataType type = 4; oneof domain { ListValue
  ///   domain_discrete = 5; Interval domain_interval = 6; } }`: numbers are `DATA_TYPE_FLOAT64 =
  ///   3` over `Interval { double min_value = 1; double max_value = 2; }`, text
  ///   `DATA_TYPE_STRING = 1` of the values given, `ListValue { repeated Value values = 1; }`;
  /// - `MetricInfo { MetricName name = 1; DatasetType dataset_type = 5; }`, `MetricName { string
  ///   group = 1; string tag = 2; }` of no group (the session's own folder), of the validation
  ///   set (`DATASET_VALIDATION = 2`).
  static func experiment(
    created: Double, hyperparameters: [(name: String, values: [Value])], metrics: [String]
  ) -> ProtocolBuffer {
    let experiment = ProtocolBuffer { experiment in
      experiment.double(3, created)
      for (name, values) in hyperparameters {
        let numbers = values.compactMap { if case .number(let x) = $0 { x } else { nil } }
        experiment.message(
          4,
          ProtocolBuffer { info in
            info.string(1, name)
            if numbers.count == values.count, let least = numbers.min(), let most = numbers.max() {
              info.varint(4, 3)
              info.message(
                6,
                ProtocolBuffer {
                  $0.double(1, least)
                  $0.double(2, most)
                })
            } else {
              info.varint(4, 1)
              info.message(
                5, ProtocolBuffer { list in for value in values { list.message(1, value.message) } }
              )
            }
          })
      }
      for metric in metrics {
        experiment.message(
          5,
          ProtocolBuffer { info in
            info.message(1, ProtocolBuffer { $0.string(2, metric) })
            info.varint(5, 2)
          })
      }
    }
    return Message.hparams("_hparams_/experiment", field: 2, experiment)
  }

  /// `HParamsPluginData.session_start_info = 3`: `SessionStartInfo { map<string, Value>
  /// hparams = 1; double start_time_secs = 5; }`, each entry of the map a message `{ string key
  /// = 1; Value value = 2; }`.
  static func sessionStart(_ hyperparameters: [(name: String, value: Value)], startTime: Double)
    -> ProtocolBuffer
  {
    let start = ProtocolBuffer { start in
      for (name, value) in hyperparameters {
        start.message(
          1,
          ProtocolBuffer {
            $0.string(1, name)
            $0.message(2, value.message)
          })
      }
      start.double(5, startTime)
    }
    return Message.hparams("_hparams_/session_start_info", field: 3, start)
  }

  /// `HParamsPluginData.session_end_info = 4`: `SessionEndInfo { Status status = 1; double
  /// end_time_secs = 2; }`.
  static func sessionEnd(_ status: Status, endTime: Double?) -> ProtocolBuffer {
    let end = ProtocolBuffer { end in
      end.varint(1, status.rawValue)
      if let endTime { end.double(2, endTime) }
    }
    return Message.hparams("_hparams_/session_end_info", field: 4, end)
  }
}
