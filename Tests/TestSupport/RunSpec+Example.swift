import Tracking

extension RunSpec {
  /// A run as `nnlab train` would describe it, by default a 400-25-10 network on glyphs; a test
  /// sets the other fields on the copy it gets.
  public static func example(
    sweep: Int64? = nil, name: String? = "test", layers: String = "400-25-10",
    learningRate: Double = 0.3, lambda: Double = 1, epochs: Int = 10, seed: Int64 = 7,
    validationFraction: Double = 0.2
  ) -> RunSpec {
    RunSpec(
      sweepId: sweep, name: name, layers: layers, activation: "sigmoid",
      costFunction: "cross-entropy", learningRate: learningRate, lambda: lambda, epochs: epochs,
      seed: seed, validationFraction: validationFraction, datasetName: "glyphs",
      datasetSha256: String(repeating: "0", count: 64), nnlabVersion: "0.1.0",
      commandLine: "nnlab train")
  }
}
