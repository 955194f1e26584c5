// Parsing a wide CSV header: a file of 100,000 columns (and one row of data), read by
// `CSVDataset.parse` with every column a feature (no outputs, as `predict` reads) and with
// all its features named, seconds as the median of the repetitions. Linear in the columns:
// well under a second (a quadratic layout took 33 s).
//
//     swift run -c release nnlab-header-bench [columns] [repetitions]

import BenchSupport
import Datasets
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let columns = max(2, arguments.first.flatMap(Int.init) ?? 100_000)
let repetitions = max(1, arguments.dropFirst().first.flatMap(Int.init) ?? 5)
let names = (0..<columns).map { "feature\($0)" }
let data = Data(
  (names.joined(separator: ",") + "\n" + (0..<columns).map { "\($0 % 2)" }.joined(separator: ",")
    + "\n").utf8)
let layouts = [
  ("every column a feature", CSVColumns(targets: [])),
  ("every feature named, in reverse", CSVColumns(targets: [], features: names.reversed())),
]
print("\(columns) columns, median of \(repetitions):")
for (label, layout) in layouts {
  var times: [Double] = []
  for _ in 0..<repetitions {
    times.append(
      try seconds {
        let dataset = try CSVDataset.parse(data, name: "wide.csv", columns: layout)
        precondition(dataset.featureNames.count == columns)
      })
  }
  print("  \(label): \(String(format: "%.3f", median(times))) s")
}
