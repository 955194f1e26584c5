// Fuzzes the sweep-file reader: `SweepSpec(yaml:name:)` on the input as UTF-8 text, then
// `.plans()` (architectures parsed, every plan validated). A thrown TrainingError is the right
// answer to bad input; only crashes and hangs count.
import Foundation
import FuzzDriver
import Training

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? SweepSpec(yaml: text, name: "fuzz.yaml").plans()
  return 0
}

// SwiftPM gives an executable a Swift main, so libFuzzer runs from it rather than as main.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 })
