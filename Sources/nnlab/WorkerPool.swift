import Foundation
import Training

/// The worker processes a sweep starts: `nnlab worker --sweep N`, their output discarded (the
/// runs' outcomes are in the database). The database is handed over in `NNLAB_DB`, not on the
/// command line, where `ps` would show a PostgreSQL URL's password.
struct WorkerPool {
  let processes: [Process]

  init(sweep: Int64, database: String, count: Int) throws {
    let executable =
      FileManager.default.fileExists(atPath: "/proc/self/exe")
      ? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
      : URL(fileURLWithPath: CommandLine.arguments[0])
    var started: [Process] = []
    for _ in 0..<count {
      let process = Process()
      process.executableURL = executable
      process.arguments = ["worker", "--sweep", "\(sweep)"]
      process.environment = ProcessInfo.processInfo.environment.merging(["NNLAB_DB": database]) {
        $1
      }
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      do {
        try process.run()
      } catch {
        // Those already started stop after their current epoch; their runs stay resumable.
        for worker in started {
          kill(worker.processIdentifier, SIGINT)
          worker.waitUntilExit()
        }
        throw CommandFailure(
          message:
            "cannot start a worker process (\(executable.path)) after \(started.count) of \(count)",
          exitCode: .ioError)
      }
      started.append(process)
    }
    processes = started
  }

  /// Waits for every worker, showing progress; passes a Ctrl-C or SIGTERM on to them (each
  /// stops after its current epoch). Returns whether the sweep was interrupted.
  func wait(progress: SweepProgress) -> Bool {
    var signalled = false
    while processes.contains(where: \.isRunning) {
      if Interruption.isRequested && !signalled {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGINT) }
        signalled = true
      }
      progress.show()
      usleep(100_000)
    }
    progress.clear()
    return signalled || processes.contains { $0.terminationStatus == 130 }
  }
}
