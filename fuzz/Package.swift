// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses for nnlab's input readers, one executable per reader. A package of its own,
// so the root package's `swift build` and `swift test` never build it; `bench/fuzz.sh` builds and
// runs it with `-sanitize=fuzzer`. SwiftPM gives every executable a Swift `main`, so instead of
// libFuzzer's `main` each harness calls libFuzzer's driver, which the C target FuzzDriver declares.

/// A harness: libFuzzer's driver and the root package's library `product`.
func harness(_ name: String, _ product: String) -> Target {
  .executableTarget(
    name: name, dependencies: ["FuzzDriver", .product(name: product, package: "nnlab")])
}

let package = Package(
  name: "nnlab-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "nnlab", path: "..")],
  targets: [
    .target(name: "FuzzDriver"),
    harness("fuzz-csv", "Datasets"),
    harness("fuzz-filter", "Reports"),
    harness("fuzz-weights", "Backprop"),
    harness("fuzz-sweep", "Training"),
  ],
  swiftLanguageModes: [.v6]
)
