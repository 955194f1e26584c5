// Times one gradient evaluation of a 400-25-10 network on m = 5000 made-up examples:
// the fast vectorised backpropagation against the reference loop, measured side by side,
// plus the speed of the matrix kernel on the forward product [1 A1]·Θ(1)ᵀ (5000 × 401 · 401 × 25).
//
//     swift run -c release nnlab-bench [repetitions]

import Backprop
import BenchSupport

func milliseconds(_ value: Double) -> String {
  let text = String(Int((value * 1e5).rounded()))
  let padded = String(repeating: "0", count: max(0, 3 - text.count)) + text
  return "\(padded.dropLast(2)).\(padded.suffix(2)) ms"
}

let repetitions = max(1, CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 7)
let architecture: Architecture = [400, 25, 10]
let network = Network(architecture: architecture, seed: 1)
let examples = try Examples.random(for: architecture, count: 5000, seed: 2)
let objective = try Objective(lambda: 1)

var fastTimes: [Double] = []
var referenceTimes: [Double] = []
var checksum = 0.0
for _ in 0..<repetitions {
  fastTimes.append(
    try seconds { checksum += try objective.gradient(of: network, on: examples, using: .fast).cost }
  )
  referenceTimes.append(
    try seconds {
      checksum += try objective.gradient(of: network, on: examples, using: .reference).cost
    })
}

var twoThreadTimes: [Double] = []
for _ in 0..<repetitions {
  twoThreadTimes.append(
    try Parallelism.$threads.withValue(2) {
      try seconds {
        checksum += try objective.gradient(of: network, on: examples, using: .fast).cost
      }
    })
}

let activations = examples.inputs
let theta = network.thetas[1]
var productTimes: [Double] = []
for _ in 0..<repetitions * 3 {
  productTimes.append(seconds { checksum += activations.withBiasTimesTransposed(theta)[0, 0] })
}
let flops = 2.0 * 5000 * 401 * 25

print("400-25-10, m = 5000, λ = 1, median of \(repetitions) (checksum \(checksum))")
print("  fast gradient          \(milliseconds(median(fastTimes)))")
print("  fast, 2 threads        \(milliseconds(median(twoThreadTimes)))")
print("  reference loop         \(milliseconds(median(referenceTimes)))")
print("  reference / fast       \(Int((median(referenceTimes) / median(fastTimes)).rounded())) ×")
print(
  "  [1 A1]·Θ(1)ᵀ product   \(milliseconds(median(productTimes))), "
    + "\(Int((flops / median(productTimes) / 1e9).rounded())) GFLOP/s")
