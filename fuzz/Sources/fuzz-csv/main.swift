// Fuzzes the CSV loader: `CSVDataset.parse` (which `CSVDataset.load(path:columns:)` calls with
// the file's bytes), its header parser included. The first byte picks the column roles and
// given classes (names the seeds use, named twice, a label and targets both), the rest is the
// file. A thrown DatasetError is the right answer to bad input; only crashes and hangs count.
import Datasets
import Foundation
import FuzzDriver

let layouts: [(CSVColumns, [String]?)] = [
  (CSVColumns(), nil),
  (CSVColumns(label: "label"), nil),
  (CSVColumns(targets: ["t"]), nil),
  (CSVColumns(label: "y", features: ["a", "b"]), nil),
  (CSVColumns(), ["0", "1", "2"]),
  (CSVColumns(targets: []), nil),
  (CSVColumns(targets: [], features: ["c999", "c0", "c500"]), nil),
  (CSVColumns(label: "c1", features: ["c0", "c0"]), nil),
  (CSVColumns(label: "y", targets: ["t"]), nil),
  (CSVColumns(targets: ["t", "c2", "t"]), nil),
  (CSVColumns(label: "c998", features: ["c1", "c998"]), nil),
  (CSVColumns(features: ["c3"]), ["0", "1", "2"]),
]  // 12 layouts, so the seeds' first bytes '0'…'9' pick layouts 0…9

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let (columns, classes) = layouts[Int(data[0]) % layouts.count]
  let bytes = Data(bytes: data + 1, count: size - 1)
  _ = try? CSVDataset.parse(bytes, name: "fuzz.csv", columns: columns, classes: classes)
  return 0
}

// SwiftPM gives an executable a Swift main, so libFuzzer runs from it rather than as main.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 })
