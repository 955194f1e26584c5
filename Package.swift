// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// The matrix kernel's fused multiply-adds become FMA instructions only when Swift compiles for
/// a processor that has them; without a target CPU each lane becomes a library call. On x86-64 a
/// release build is for this machine's processor (`native`), and a debug build for `haswell`
/// (AVX2 + FMA: every x86-64 processor since 2013). `NNLAB_CPU` overrides both:
/// `NNLAB_CPU=haswell swift build -c release` makes a binary for any current x86-64 machine.
/// ARM64 has FMA in its baseline and needs no flag.
let processors: [(cpu: String, configuration: BuildConfiguration)] = [
  (Context.environment["NNLAB_CPU"] ?? "native", .release),
  (Context.environment["NNLAB_CPU"] ?? "haswell", .debug),
]

/// The `-target-cpu` names of LLVM's x86-64 processors with AVX-512.
let avx512Processors: Set<String> = [
  "knl", "knm", "skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake",
  "icelake-client", "icelake-server", "rocketlake", "tigerlake", "sapphirerapids",
  "emeraldrapids", "graniterapids", "graniterapids-d", "diamondrapids", "znver4", "znver5",
  "x86-64-v4",
]

/// Whether `cpu` has AVX-512: `native` is this machine, as /proc/cpuinfo says.
func hasAVX512(_ cpu: String) -> Bool {
  guard cpu == "native" else { return avx512Processors.contains(cpu) }
  let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
  return cpuInfo.split(separator: "\n").contains {
    $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx512f")
  }
}

/// What the code that depends on the processor is told of it: `-target-cpu`, and
/// `NNLAB_AVX512` where the processor has AVX-512's 32 registers of 8 doubles, for which the
/// matrix kernel's register tiles are `SIMD8<Double>` (`SIMD4<Double>` otherwise, sized for
/// AVX2's 16 registers of 4).
let processorSettings: [SwiftSetting] = {
  #if arch(x86_64)
    return processors.flatMap { cpu, configuration in
      [.unsafeFlags(["-target-cpu", cpu], .when(configuration: configuration))]
        + (hasAVX512(cpu) ? [.define("NNLAB_AVX512", .when(configuration: configuration))] : [])
    }
  #else
    return []
  #endif
}()

/// What the benchmark of the products tells its code of the processor it was built for:
/// `NNLAB_BUILT_FOR_NATIVE` (this machine's) or `NNLAB_BUILT_FOR_HASWELL` (AVX2 + FMA).
let builtForSettings: [SwiftSetting] = {
  #if arch(x86_64)
    return processors.compactMap { cpu, configuration in
      ["native", "haswell"].contains(cpu)
        ? .define("NNLAB_BUILT_FOR_\(cpu.uppercased())", .when(configuration: configuration))
        : nil
    }
  #else
    return []
  #endif
}()

let package = Package(
  name: "nnlab",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "nnlab", targets: ["nnlab"]),
    .library(name: "Backprop", targets: ["Backprop"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "Training", targets: ["Training"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
  ],
  targets: [
    .target(name: "PlainText"),
    .target(name: "Backprop", dependencies: ["PlainText"], swiftSettings: processorSettings),
    .target(
      name: "Datasets",
      dependencies: [
        "Backprop", "PlainText",
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "Tracking",
      dependencies: [
        "PlainText",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      plugins: ["EmbedSQL"]
    ),
    .target(
      name: "Training",
      dependencies: ["Backprop", "Datasets", "Tracking", .product(name: "Yams", package: "Yams")]
    ),
    .target(name: "Reports", dependencies: ["PlainText", "Tracking"], plugins: ["EmbedSQL"]),
    .target(
      name: "Dashboard",
      dependencies: [
        "Reports", "Tracking", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]
    ),
    .target(name: "TensorBoard", dependencies: ["Tracking"]),
    .executableTarget(
      name: "nnlab",
      dependencies: [
        "Backprop", "Datasets", "PlainText", "Tracking", "Training", "Reports", "Dashboard",
        "TensorBoard",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ]
    ),
    .target(name: "BenchSupport", path: "bench/support"),
    .executableTarget(
      name: "nnlab-bench",
      dependencies: ["Backprop", "BenchSupport"],
      path: "bench/gradient",
      swiftSettings: processorSettings + builtForSettings
    ),
    .executableTarget(
      name: "nnlab-storage-bench", dependencies: ["Tracking", "BenchSupport"], path: "bench/storage"
    ),
    .executableTarget(
      name: "nnlab-copy-bench",
      dependencies: [
        "Tracking", "BenchSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
      ],
      path: "bench/copy"),
    .executableTarget(
      name: "nnlab-reports-bench", dependencies: ["Reports", "Tracking", "BenchSupport"],
      path: "bench/reports"),
    .executableTarget(
      name: "nnlab-training-bench",
      dependencies: ["Training", "Tracking", "Datasets", "BenchSupport"], path: "bench/training"),
    .executableTarget(
      name: "nnlab-dashboard-bench",
      dependencies: [
        "Dashboard", "Reports", "Tracking", "BenchSupport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      path: "bench/dashboard"),
    .executableTarget(
      name: "nnlab-header-bench", dependencies: ["Datasets", "BenchSupport"], path: "bench/header"),
    .executableTarget(name: "EmbedSQLTool", path: "Plugins/EmbedSQLTool"),
    .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["EmbedSQLTool"]),
    .target(
      name: "TestSupport", dependencies: ["Tracking", "Training"], path: "Tests/TestSupport"),
    .testTarget(name: "BackpropTests", dependencies: ["Backprop"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "PlainText"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: ["Training", "Datasets", "Tracking", "Backprop", "TestSupport"]),
    .testTarget(
      name: "TrackingTests",
      dependencies: [
        "Tracking", "TestSupport", "tracking-probe", .product(name: "GRDB", package: "GRDB.swift"),
      ],
      exclude: ["Fixtures"]
    ),
    .executableTarget(
      name: "tracking-probe", dependencies: ["Tracking", "TestSupport"], path: "Tests/TrackingProbe"
    ),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Tracking", "Training", "TestSupport"]),
    .testTarget(
      name: "DashboardTests",
      dependencies: [
        "Dashboard", "Reports", "Tracking", "TestSupport",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "GRDB", package: "GRDB.swift"),
      ]),
    .testTarget(
      name: "TensorBoardTests",
      dependencies: [
        "TensorBoard", "Tracking", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
      ]),
    .testTarget(
      name: "nnlabTests",
      dependencies: [
        "nnlab", "Tracking", "Backprop", "Datasets", "TestSupport",
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "GRDB", package: "GRDB.swift"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
