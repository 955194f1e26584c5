import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `nnlab serve` as a user starts it: the line it prints, the token off loopback, Ctrl-C, and
/// one line for what it cannot do.
@Suite struct ServeCommandTests {
  /// A database with one small sweep, made by `nnlab sweep`.
  static func database(in folder: URL) throws -> String {
    let path = folder.appendingPathComponent("runs.sqlite").path
    let made = try CommandRunner.run([
      "sweep", "--data", "xor", "--hidden", "3", "--epochs", "5", "--lambda", "0,1", "--lr", "1",
      "--workers", "1", "--db", path,
    ])
    #expect(made.status == 0, "\(made.standardError)")
    return path
  }

  /// Starts `nnlab serve arguments…`, waits for the line it prints, and returns the process,
  /// that line and the file of its errors.
  static func serve(_ arguments: [String], in folder: URL) throws -> (Process, String, URL) {
    let output = folder.appendingPathComponent("serve.out")
    let errors = folder.appendingPathComponent("serve.err")
    let process = try CommandRunner.process(
      [CommandRunner.executable.path, "serve", "--port", "0"] + arguments,
      environment: CommandRunner.userEnvironment(), output: output, errors: errors)
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let text = try String(contentsOf: output, encoding: .utf8)
      if text.hasSuffix("\n") { return (process, text, errors) }
      Thread.sleep(forTimeInterval: 0.05)
    }
    process.terminate()
    throw ServeFailure(try String(contentsOf: errors, encoding: .utf8))
  }

  struct ServeFailure: Error {
    let errors: String
    init(_ errors: String) { self.errors = errors }
  }

  /// The status of a GET of `url`.
  static func status(_ url: String) async throws -> Int {
    let (_, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return (response as? HTTPURLResponse)?.statusCode ?? 0
  }

  @Test func offLoopbackItPrintsATokenEveryRequestNeedsAndStopsOnCtrlC() async throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try Self.database(in: folder)
    let (process, line, errors) = try Self.serve(["--host", "0.0.0.0", "--db", path], in: folder)
    let printed = #/at http://0\.0\.0\.0:(\d+)/\?token=([0-9a-f]{32}) /#
    let match = try #require(line.firstMatch(of: printed))
    let (port, token) = (match.1, match.2)
    #expect(try await Self.status("http://127.0.0.1:\(port)/sweeps/1") == 401)
    #expect(try await Self.status("http://127.0.0.1:\(port)/sweeps/1?token=\(token)") == 200)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(try String(contentsOf: errors, encoding: .utf8).isEmpty)
  }

  @Test func aPortInUseIsOneLineAndExit74() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try Self.database(in: folder)
    let (first, line, _) = try Self.serve(["--db", path], in: folder)
    defer {
      first.terminate()
      first.waitUntilExit()
    }
    let port = try #require(line.firstMatch(of: #/127\.0\.0\.1:(\d+)/#)).1
    let second = try CommandRunner.run(["serve", "--db", path, "--port", String(port)])
    #expect(second.status == 74)
    #expect(
      second.standardError == "error: cannot serve on 127.0.0.1:\(port): address already in use\n")
  }
}
