import Foundation
import Testing

@testable import Tracking

/// Values and files the Tracking tests share (RunSpec.example and the temporary folders are
/// TestSupport's).
enum TrackingSupport {
  /// Epoch `epoch` with two layers and, when `snapshot`, the weights of both.
  static func epoch(
    _ epoch: Int, validationError: Double? = nil, snapshot: Bool = false, trainError: Double = 0.5
  ) -> EpochRecord {
    EpochRecord(
      epoch: epoch, cost: trainError + 0.01, trainError: trainError,
      validationError: validationError,
      trainAccuracy: 0.9, validationAccuracy: validationError.map { 1 - $0 }, gradientNorm: 0.25,
      seconds: 0.002,
      layers: [
        .init(layer: 1, gradientNorm: 0.2, weightNorm: 3, updateRatio: 0.02, saturation: 0.1),
        .init(layer: 2, gradientNorm: 0.1, weightNorm: 2, updateRatio: 0.015, saturation: nil),
      ],
      snapshots: snapshot
        ? [
          .init(
            layer: 1, rows: 25, columns: 401,
            values: (0..<25 * 401).map { Double($0) * 1e-4 + Double(epoch) }),
          .init(
            layer: 2, rows: 10, columns: 26,
            values: (0..<260).map { -Double($0) * 1e-3 - Double(epoch) }),
        ] : [])
  }

  /// The package's root folder, found from this file.
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The `tracking-probe` executable built beside the tests.
  static let probe: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    while ["xctest", "Contents", "MacOS"].contains(directory.pathExtension)
      || directory.lastPathComponent == "Contents"
      || directory.lastPathComponent == "MacOS"
    {
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("tracking-probe")
  }()

  /// Starts `tracking-probe arguments…`, its stdout captured.
  static func startProbe(_ arguments: [String]) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = probe
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    try process.run()
    return (process, output)
  }
}
