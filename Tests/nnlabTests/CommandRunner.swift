import Foundation
import TestSupport

/// Runs the built `nnlab` binary the way a user does and captures what it prints.
struct CommandRunner {
  struct Result {
    let status: Int32
    let standardOutput: String
    let standardError: String
  }

  /// The `nnlab` executable built beside the test bundle.
  static let executable: URL = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    // macOS runs tests from inside an .xctest bundle: step out of it to the products folder.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents"
      || directory.lastPathComponent == "MacOS"
    {
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("nnlab")
  }()

  /// Runs `nnlab arguments…` in `directory` with `NO_COLOR` (and `environment`) set, without
  /// `NNLAB_DB` unless `environment` sets it, and no standard input; through `wrapper` when
  /// given (a command that runs the rest of its line: `/usr/bin/prlimit --fsize=N`).
  static func run(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
    wrapper: [String] = []
  ) throws -> Result {
    try runProgram(
      wrapper + [executable.path] + arguments, in: directory,
      environment: userEnvironment(environment))
  }

  /// Runs the program and arguments of `command` in `directory` with `environment` (by
  /// default this process's) and no standard input, and captures what it prints.
  static func runProgram(
    _ command: [String], in directory: URL? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> Result {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outputURL = folder.appendingPathComponent("stdout")
    let errorURL = folder.appendingPathComponent("stderr")
    let process = try Self.process(
      command, environment: environment, output: outputURL, errors: errorURL)
    if let directory { process.currentDirectoryURL = directory }
    try process.run()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
      standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
  }

  /// This process's environment as a user's shell would give it to `nnlab`: with `NO_COLOR`,
  /// without `NNLAB_DB`, then `environment` over it.
  static func userEnvironment(_ environment: [String: String] = [:]) -> [String: String] {
    var variables = ProcessInfo.processInfo.environment
    variables["NO_COLOR"] = "1"
    variables["NNLAB_DB"] = nil
    return variables.merging(environment) { $1 }
  }

  /// A process, not yet started, for the program and arguments of `command`, with
  /// `environment`, no standard input, and its output in the files `output` and `errors`
  /// (made empty). Output goes to files, not pipes, so a command that prints much on both
  /// cannot block.
  static func process(
    _ command: [String], environment: [String: String], output: URL, errors: URL
  ) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    process.environment = environment
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    process.standardInput = FileHandle.nullDevice
    return process
  }

  /// `nnlab arguments…` started in the background, its output discarded.
  static func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// A file of `../shared/data` beside the package (it may be absent).
  static func sharedData(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "shared/data/\(name)")
  }
}
