import ArgumentParser
import Dashboard
import Foundation
import Hummingbird
import Tracking

/// `nnlab serve`: the live dashboard of a database's sweeps and runs, read-only, until Ctrl-C.
struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a live dashboard of the runs and sweeps in the browser (read-only).",
    discussion: """
      Pages: / (the sweeps and recent runs), /sweeps/ID, /runs/ID, /compare?runs=1,2,3; each
      table has a CSV download. Open pages update as runs record epochs, through server-sent
      events at /events. The server only reads: it takes no write lock and holds no read
      transaction between its looks, so it cannot stall a sweep. On an address other than
      loopback every request needs the token (--token, else a new one, printed in the URL).
      """)

  @Option(help: "The address to listen on.")
  var host = "127.0.0.1"

  @Option(parsing: .unconditional, help: "The port to listen on (0: any free port).")
  var port = 8321

  @Option(help: "A token every request must carry (at least 16 letters, digits, '-' or '_').")
  var token: String?

  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    guard (0...65535).contains(port) else {
      throw ValidationError("--port must be from 0 to 65535, got \(port)")
    }
    if let token,
      token.count < 16
        || !token.unicodeScalars.allSatisfy({
          CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_"
        })
    {
      throw ValidationError("--token must be at least 16 letters, digits, '-' or '_'")
    }
  }

  func run() throws {
    let store = try database.openForReports()
    let token = token ?? (Dashboard.isLoopback(host) ? nil : Dashboard.newToken())
    let dashboard = Dashboard(store: store, token: token)
    let shownHost = host.contains(":") ? "[\(host)]" : host
    let application = dashboard.application(host: host, port: port) { port in
      let url = "http://\(shownHost):\(port)/" + (token.map { "?token=\($0)" } ?? "")
      Terminal.standardOutput.write("serving \(database.shown) at \(url) (Ctrl-C stops)\n")
    }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
      do {
        try await application.runService()
      } catch {
        outcome.failure = error
      }
      done.signal()
    }
    done.wait()
    if let failure = outcome.failure {
      throw CommandFailure(
        message: "cannot serve on \(shownHost):\(port): \(Dashboard.reason(failure))",
        exitCode: .ioError)
    }
  }

  /// What the server's task ended with, read once it has ended.
  private final class Outcome: @unchecked Sendable {
    var failure: (any Error)?
  }
}
