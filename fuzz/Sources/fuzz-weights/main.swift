// Fuzzes the weights-file reader: `Network(weightsJSON:)` on the input bytes, and, for a file
// it accepts, writing the weights back (`weightsJSON()`). A thrown BackpropError is the right
// answer to bad input; only crashes and hangs count.
import Backprop
import Foundation
import FuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Data(bytes: data, count: size)
  if let network = try? Network(weightsJSON: bytes) { _ = try? network.weightsJSON() }
  return 0
}

// SwiftPM gives an executable a Swift main, so libFuzzer runs from it rather than as main.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 })
