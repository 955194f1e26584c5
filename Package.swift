// swift-tools-version: 6.1
import PackageDescription

/// The matrix kernels use AVX2/AVX-512 FMA only when compiled for this machine's processor;
/// without it a `SIMD8<Double>` fused multiply-add becomes a library call per lane.
/// Set `NNLAB_PORTABLE=1` to build a binary that runs on any x86-64 or ARM machine.
let processorSettings: [SwiftSetting] =
  Context.environment["NNLAB_PORTABLE"] == nil ? [.unsafeFlags(["-target-cpu", "native"])] : []

let package = Package(
  name: "nnlab",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "nnlab", targets: ["nnlab"]),
    .library(name: "Backprop", targets: ["Backprop"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .target(name: "Backprop", swiftSettings: processorSettings),
    .target(name: "Datasets", dependencies: ["Backprop"]),
    .target(name: "Tracking"),
    .target(name: "Training", dependencies: ["Backprop", "Datasets", "Tracking"]),
    .target(name: "Reports", dependencies: ["Tracking"]),
    .executableTarget(
      name: "nnlab",
      dependencies: [
        "Backprop", "Datasets", "Tracking", "Training", "Reports",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "nnlab-bench",
      dependencies: ["Backprop"],
      path: "bench/gradient",
      swiftSettings: processorSettings
    ),
    .testTarget(name: "BackpropTests", dependencies: ["Backprop"]),
    .testTarget(name: "nnlabTests", dependencies: ["nnlab"]),
  ],
  swiftLanguageModes: [.v6]
)
