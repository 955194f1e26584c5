// A helper process for the Tracking tests: does one thing to a database, as a separate
// process would, and says on stdout what it committed.
//
// DB is an SQLite file or a PostgreSQL URL.
//
//     tracking-probe claim DB SWEEP START  wait until START (Unix time in ms), then claim runs of
//                                          SWEEP until none is left, 2 ms apart (as a worker that
//                                          trains between claims); print each id
//     tracking-probe write DB SWEEP EPOCHS claim a run of SWEEP and record its epochs 0..<EPOCHS
//                                          (2 layers, snapshots of 25 × 401 and 10 × 26); print
//                                          each epoch once committed
//     tracking-probe fixture DB 1          write the fixture database of the current schema
//                                          (Tests/TrackingTests/Fixtures/schema-NNNN.sqlite)

import Foundation
import TestSupport
import Tracking

/// Prints a line at once (unbuffered), so a parent that kills this process knows what it saw.
func say(_ value: some CustomStringConvertible) {
  FileHandle.standardOutput.write(Data("\(value)\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, let number = Int64(arguments[2]) else {
  FileHandle.standardError.write(
    Data("usage: tracking-probe claim DB SWEEP START | write DB SWEEP EPOCHS | fixture DB 1\n".utf8)
  )
  exit(64)
}
if arguments[0] == "claim", arguments.count > 3, let start = Double(arguments[3]) {
  let wait = start / 1000 - Date().timeIntervalSince1970
  if wait > 0 { usleep(UInt32(wait * 1e6)) }
}
let database = try RunStores.open(arguments[1])

switch arguments[0] {
case "claim":
  while let run = try database.claimQueuedRun(in: number) {
    say(run.id)
    usleep(2000)
  }
case "write":
  guard let run = try database.claimQueuedRun(in: number)?.id else { exit(70) }
  let epochs = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 1_000_000
  for epoch in 0..<epochs {
    let shift = Double(epoch)
    try database.recordEpoch(
      EpochRecord(
        epoch: epoch, cost: 1 / (1 + shift), trainError: 1 / (1 + shift),
        validationError: 2 / (1 + shift),
        gradientNorm: 0.5, seconds: 0.001,
        layers: [
          .init(layer: 1, gradientNorm: 0.1, weightNorm: 1, updateRatio: 0.001, saturation: 0.2),
          .init(layer: 2, gradientNorm: 0.2, weightNorm: 2, updateRatio: 0.002, saturation: 0.1),
        ],
        snapshots: [
          .init(layer: 1, rows: 25, columns: 401, values: Array(repeating: shift, count: 25 * 401)),
          .init(layer: 2, rows: 10, columns: 26, values: Array(repeating: -shift, count: 10 * 26)),
        ]),
      of: run)
    say(epoch)
  }
case "fixture":
  let sweep = try database.createSweep(name: "fixture", spec: #"{"lambda":[0,1],"lr":[1]}"#)
  let specs = [0.0, 1.0].map { lambda in
    var spec = RunSpec.example(
      name: "λ=\(lambda)", layers: "2-3-2", learningRate: 1, lambda: lambda, epochs: 2, seed: 1)
    spec.snapshotEvery = 2
    spec.datasetName = "xor"
    spec.datasetSha256 = String(repeating: "ab", count: 32)
    spec.scaling = #"{"method":"none"}"#
    spec.commandLine = "nnlab sweep --lambda 0,1"
    return spec
  }
  let runs = try database.queueRuns(specs, in: sweep.id)
  guard let run = try database.claimQueuedRun(in: sweep.id) else { exit(70) }
  for epoch in 0...2 {
    try database.recordEpoch(
      EpochRecord(
        epoch: epoch, cost: 0.7 - 0.1 * Double(epoch), trainError: 0.69 - 0.1 * Double(epoch),
        validationError: 0.72 - 0.05 * Double(epoch), trainAccuracy: 0.5, validationAccuracy: 0.5,
        gradientNorm: 0.3, seconds: 0.001,
        layers: [
          .init(layer: 1, gradientNorm: 0.2, weightNorm: 1.5, updateRatio: 0.13, saturation: 0),
          .init(layer: 2, gradientNorm: 0.1, weightNorm: 1.1, updateRatio: 0.09, saturation: 0),
        ],
        snapshots: epoch == 1
          ? []
          : [
            .init(
              layer: 1, rows: 3, columns: 3,
              values: (0..<9).map { Double($0) / 8 - 0.5 + Double(epoch) }),
            .init(
              layer: 2, rows: 2, columns: 4, values: (0..<8).map { -Double($0) / 7 + Double(epoch) }
            ),
          ]),
      of: run.id)
  }
  try database.recordGradientCheck([(1, 1e-11, 2e-10), (2, 3e-11, 4e-10)], of: run.id, epoch: 0)
  try database.setTag("purpose", to: "fixture", of: run.id)
  try database.finishRun(run.id, outcome: .finished)
  say(runs.map(\.id))
default:
  FileHandle.standardError.write(Data("unknown command \(arguments[0])\n".utf8))
  exit(64)
}
try database.close()
