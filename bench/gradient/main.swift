// Times one gradient evaluation of a 400-25-10 network on m = 5000 made-up examples:
// the fast vectorised backpropagation against the reference loop, measured side by side,
// plus the speed of the epoch's five matrix products against one core's float64 peak, measured
// in the same run with chains of fused multiply-adds sized for AVX2 and for AVX-512 (the
// fastest is the peak of the ISA the bench was built for), and each product's share of it. It
// prints the processor, that ISA and the kernel's register tile.
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
// glibc maps each block of 128 KB or more afresh until it frees a mapped block, whose size
// then becomes the threshold. In training, loading the data does that, and an epoch's 1 MB
// products come from the heap; here each would have been a mapping of its own, which made them
// take up to 1.5 × as long (longer than a whole epoch of `nnlab train`, everything included).
// So a 16 MB block is freed first.
checksum += [Double](repeating: 1, count: 2 << 20).reduce(0, +)
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

// The five products of one epoch, on the epoch's own shapes (docs/design.md, "The mathematics":
// vectorised).
let (inputs, errors) = (examples.inputs, try Examples.random(for: [25, 10], count: 5000, seed: 3))
let (hidden, outputErrors, hiddenErrors) = (errors.inputs, errors.targets, errors.inputs)
let (theta1, theta2) = (network.thetas[1], network.thetas[2])
/// Each product, with its multiply-adds per example.
let products: [(name: String, multiplyAdds: Int, product: () -> Matrix)] = [
  ("[1 X]·Θ⁽¹⁾ᵀ", 400 * 25, { inputs.withBiasTimesTransposed(theta1) }),
  ("[1 A⁽²⁾]·Θ⁽²⁾ᵀ", 25 * 10, { hidden.withBiasTimesTransposed(theta2) }),
  ("δ⁽³⁾ᵀ·[1 A⁽²⁾]", 10 * 25, { outputErrors.transposedTimesWithBias(hidden) }),
  ("δ⁽³⁾·Θ⁽²⁾", 10 * 25, { outputErrors.timesWithoutBiasColumn(theta2) }),
  ("δ⁽²⁾ᵀ·[1 X]", 25 * 400, { hiddenErrors.transposedTimesWithBias(inputs) }),
]
var productTimes = [[Double]](repeating: [], count: products.count)
for _ in 0..<repetitions * 3 {
  for (index, product) in products.enumerated() {
    productTimes[index].append(seconds { checksum += product.product()[0, 0] })
  }
}
/// GFLOP/s of `multiplyAdds` per example over m = 5000 in `time` seconds.
func rate(_ multiplyAdds: Int, _ time: Double) -> Double {
  2 * 5000 * Double(multiplyAdds) / time / 1e9
}
let productsTime = productTimes.map(median).reduce(0, +)

/// One core's float64 rate, GFLOP/s, on 12 independent chains of `Vector` fused multiply-adds:
/// 12 accumulators and the factor fit in the 16 vector registers of AVX2 as `SIMD4<Double>`, in
/// the 32 of AVX-512 as `SIMD8<Double>`. A shape too wide for the ISA the bench was built for
/// spills to memory and runs slower, so the fastest shape is the peak.
@MainActor @inline(never)
func fusedMultiplyAddRate<Vector: SIMD & Sendable>(_: Vector.Type) -> Double
where Vector.Scalar == Double {
  var chains = (0..<12).map { Vector(repeating: Double($0)) }
  let factor = Vector(repeating: 0.999_999)
  let steps = 160_000_000 / Vector.scalarCount
  let time = seconds {
    chains.withUnsafeMutableBufferPointer { c in
      var (c0, c1, c2, c3, c4, c5) = (c[0], c[1], c[2], c[3], c[4], c[5])
      var (c6, c7, c8, c9, c10, c11) = (c[6], c[7], c[8], c[9], c[10], c[11])
      for _ in 0..<steps {
        c0.addProduct(factor, factor)
        c1.addProduct(factor, factor)
        c2.addProduct(factor, factor)
        c3.addProduct(factor, factor)
        c4.addProduct(factor, factor)
        c5.addProduct(factor, factor)
        c6.addProduct(factor, factor)
        c7.addProduct(factor, factor)
        c8.addProduct(factor, factor)
        c9.addProduct(factor, factor)
        c10.addProduct(factor, factor)
        c11.addProduct(factor, factor)
      }
      (c[0], c[1], c[2], c[3], c[4], c[5]) = (c0, c1, c2, c3, c4, c5)
      (c[6], c[7], c[8], c[9], c[10], c[11]) = (c6, c7, c8, c9, c10, c11)
    }
  }
  checksum += chains.reduce(0) { $0 + $1.sum() }
  return Double(steps) * 12 * Double(Vector.scalarCount) * 2 / time / 1e9
}
let rates = [
  ("SIMD4", median((0..<3).map { _ in fusedMultiplyAddRate(SIMD4<Double>.self) })),
  ("SIMD8", median((0..<3).map { _ in fusedMultiplyAddRate(SIMD8<Double>.self) })),
]
let (peakShape, peak) = rates.max { $0.1 < $1.1 }!
let productRate = rate(products.map(\.multiplyAdds).reduce(0, +), productsTime)

/// The processor, from /proc/cpuinfo where there is one.
let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
func cpuField(_ name: String) -> String? {
  cpuInfo.split(separator: "\n").first { $0.hasPrefix(name) }?.split(separator: ":").last
    .map { $0.trimmingCharacters(in: .whitespaces) }
}
let flags = Set((cpuField("flags") ?? "").split(separator: " ").map(String.init))
let machineISA =
  flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2 + FMA" : "no AVX2"
#if NNLAB_BUILT_FOR_NATIVE
  let builtFor = "native (this machine: \(machineISA))"
#elseif NNLAB_BUILT_FOR_HASWELL
  let builtFor = "haswell (AVX2 + FMA)"
#else
  let builtFor = "the processor NNLAB_CPU named"
#endif
#if NNLAB_AVX512
  let registerTile = "8 × 24 of SIMD8"
#else
  let registerTile = "4 × 12 of SIMD4"
#endif
print(
  "CPU: \(cpuField("model name") ?? "unknown") (family \(cpuField("cpu family") ?? "?"), model \(cpuField("model\t") ?? "?"), \(machineISA)); built for \(builtFor), register tiles \(registerTile)"
)
print("400-25-10, m = 5000, λ = 1, median of \(repetitions) (checksum \(checksum))")
print("  fast gradient          \(milliseconds(median(fastTimes)))")
print("  fast, 2 threads        \(milliseconds(median(twoThreadTimes)))")
print("  reference loop         \(milliseconds(median(referenceTimes)))")
print("  reference / fast       \(Int((median(referenceTimes) / median(fastTimes)).rounded())) ×")
print(
  "  the epoch's 5 products \(milliseconds(productsTime)), "
    + "\(Int(productRate.rounded())) GFLOP/s = \(Int((100 * productRate / peak).rounded())) %"
    + " of one core's peak, \(Int(peak.rounded())) GFLOP/s (12 chains of \(peakShape) multiply-adds;"
    + rates.map { " \($0.0): \(Int($0.1.rounded()))" }.joined(separator: ",") + ")")
for (product, times) in zip(products, productTimes) {
  let productRate = rate(product.multiplyAdds, median(times))
  print(
    "    \(product.name.padding(toLength: 16, withPad: " ", startingAt: 0))"
      + "\(milliseconds(median(times))), \(Int((100 * productRate / peak).rounded())) %")
}
