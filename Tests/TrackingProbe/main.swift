// A helper process for the Tracking tests: does one thing to a database, as a separate
// process would, and says on stdout what it committed.
//
//     tracking-probe claim DB SWEEP        claim runs of SWEEP until none is left; print each id
//     tracking-probe write DB RUN EPOCHS   record epochs 0..<EPOCHS of RUN (2 layers, snapshots
//                                          of 25 × 401 and 10 × 26); print each epoch once committed

import Foundation
import Tracking

/// Prints a line at once (unbuffered), so a parent that kills this process knows what it saw.
func say(_ value: some CustomStringConvertible) {
  FileHandle.standardOutput.write(Data("\(value)\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, let number = Int64(arguments[2]) else {
  FileHandle.standardError.write(
    Data("usage: tracking-probe claim DB SWEEP | write DB RUN EPOCHS\n".utf8))
  exit(64)
}
let database = try RunDatabase.open(path: arguments[1])

switch arguments[0] {
case "claim":
  while let run = try database.claimQueuedRun(in: number, by: .current) {
    say(run.id)
  }
case "write":
  let run = number
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
default:
  FileHandle.standardError.write(Data("unknown command \(arguments[0])\n".utf8))
  exit(64)
}
