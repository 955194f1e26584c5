// Fuzzes the `nnlab runs --where` filter: `RunFilter(parsing:)` on the input as UTF-8 text,
// then `.sql(fields:row:)` over the runs listing's columns. A thrown ReportError is the right
// answer to bad input; only crashes and hangs count.
import Foundation
import FuzzDriver
import Reports

let fields = ["id", "sweep", "status", "lambda", "lr", "validation_error", "epochs", "seed"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? RunFilter(parsing: text).sql(fields: fields, row: "run")
  return 0
}

// SwiftPM gives an executable a Swift main, so libFuzzer runs from it rather than as main.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 })
