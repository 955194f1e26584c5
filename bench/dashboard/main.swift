// The dashboard (`nnlab serve`) against its goals, each figure beside a peer measured in the
// same run:
//   1. the server's time to answer the first request for `/sweeps/ID` and for `/runs/ID`
//      (a new server each time, so no page is cached), over HTTP on loopback, on the reports
//      bench's database (1,000 runs × 1,000 epochs); the peer: the same pages drawn in process
//      (`DashboardPage`), which is what HTTP and the server add to;
//   2. how long an epoch committed by another connection takes to reach an open page: from
//      the commit to the event on `/events` that carries the run's new epoch (which the page's
//      script writes into it), and to the page drawn again with it; the peer: the watcher's
//      interval;
//   3. a sweep's wall time with 50 open pages that each fetch the page again at every redraw
//      (as the page's script does) against the same sweep with none, alternating: 16 runs of
//      2-25-3 on 400 spirals × 4,000 epochs, 2 workers, every epoch recorded with its weights;
//      and the CPU time the server and its pages spent meanwhile against the sweep's.
//
//     swift build -c release
//     .build/release/nnlab-reports-bench DB 1        # makes DB once (1,000 runs × 1,000 epochs)
//     .build/release/nnlab-dashboard-bench DB [repetitions] [.build/release/nnlab]
//
// Items 1 and 2 serve in the bench's process; item 3 starts `nnlab serve` (the third argument)
// so that the server's CPU time is its own, apart from its 50 clients'.

import AsyncHTTPClient
import BenchSupport
import Dashboard
import Foundation
import Hummingbird
import NIOCore
import Reports
import Synchronization
import Tracking

let arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first, FileManager.default.fileExists(atPath: path) else {
  print("usage: nnlab-dashboard-bench DB [repetitions] [nnlab]  (DB: from nnlab-reports-bench)")
  exit(64)
}
let repetitions = max(1, arguments.dropFirst().first.flatMap(Int.init) ?? 5)
let nnlab = arguments.dropFirst(2).first ?? ".build/release/nnlab"

/// Runs a dashboard of `store` on a free loopback port for the length of `body`.
func serving<T: Sendable>(
  _ store: any RunStore, _ body: @escaping @Sendable (Int, Dashboard) async throws -> T
) async throws -> T {
  let dashboard = Dashboard(store: store, token: nil)
  let (ports, port) = AsyncStream.makeStream(of: Int.self)
  let application = dashboard.application(host: "127.0.0.1", port: 0) { port.yield($0) }
  return try await withThrowingTaskGroup(of: T?.self) { group in
    group.addTask {
      try await application.run()
      return nil
    }
    var ready = ports.makeAsyncIterator()
    let value = try await body(await ready.next()!, dashboard)
    group.cancelAll()
    return value
  }
}

/// GETs `uri` and returns the body and the seconds it took.
/// A client that keeps as many connections open as the pages of item 3 need (the shared one
/// queues all but 8 to a host).
let client = HTTPClient(
  eventLoopGroup: HTTPClient.defaultEventLoopGroup,
  configuration: .init(
    connectionPool: .init(
      idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
  ))

@Sendable func get(_ port: Int, _ uri: String) async throws -> (String, Double) {
  let start = ContinuousClock.now
  let response = try await client.execute(
    HTTPClientRequest(url: "http://127.0.0.1:\(port)\(uri)"), timeout: .seconds(30))
  let body = try await response.body.collect(upTo: 1 << 28)
  guard response.status == .ok else { throw BenchFailure("\(uri): \(response.status)") }
  return (String(buffer: body), inSeconds(ContinuousClock.now - start))
}

@Sendable func inSeconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

struct BenchFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

let reader = try RunDatabase.open(path: path, access: .readOnly)
guard let sweep = try reader.sweeps().first,
  let run = try reader.runs(RunQuery(sweep: sweep.id)).first
else { throw BenchFailure("\(path) has no sweep") }

// 1. First paint.
var sweepTimes: [Double] = []
var runTimes: [Double] = []
var drawnSweep: [Double] = []
var drawnRun: [Double] = []
for _ in 0..<repetitions {
  sweepTimes.append(
    try await serving(reader) { port, _ in
      let (page, time) = try await get(port, "/sweeps/\(sweep.id)")
      guard page.contains("λ × α") else { throw BenchFailure("the sweep's page has no heatmap") }
      return time
    })
  runTimes.append(try await serving(reader) { port, _ in try await get(port, "/runs/\(run.id)").1 })
  drawnSweep.append(
    try seconds { _ = try DashboardPage.sweep(sweep.id, in: reader, view: .init()) })
  drawnRun.append(
    try seconds {
      _ = try DashboardPage.run(run.id, in: reader, snapshots: nil, curves: .init())
    })
}
print("database: \(path), \(try reader.runs().count) runs")
for (name, served, drawn, goal) in [
  ("/sweeps/\(sweep.id)", sweepTimes, drawnSweep, 300.0),
  ("/runs/\(run.id)", runTimes, drawnRun, 100),
] {
  print(
    String(
      format:
        "1. " + name
        + ", first request: %.1f ms (goal < %.0f ms); the page drawn in process: %.1f ms (%.2f ×)",
      median(served) * 1000, goal, median(drawn) * 1000, median(served) / median(drawn)))
}

// 2. A committed epoch reaching an open page, on a small database of its own.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
  "nnlab-dashboard-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let small = folder.appendingPathComponent("live.sqlite").path
let writer = try RunDatabase.open(path: small)
let liveSweep = try writer.createSweep(name: "live", spec: "{}")
let spec = RunSpec(
  sweepId: liveSweep.id, layers: "64-25-10", activation: "sigmoid", costFunction: "cross-entropy",
  learningRate: 1, lambda: 0, epochs: 1_000, seed: 1, validationFraction: 0.2, datasetName: "bench",
  datasetSha256: String(repeating: "0", count: 64), nnlabVersion: "bench")
_ = try writer.queueRuns([spec], in: liveSweep.id)
let live = try writer.claimQueuedRun(in: liveSweep.id)!
@Sendable func epoch(_ number: Int) -> EpochRecord {
  EpochRecord(
    epoch: number, cost: 1 / Double(number + 1), trainError: 0.5, validationError: 0.6,
    gradientNorm: 0.1, seconds: 0.001,
    layers: [.init(layer: 1, gradientNorm: 0.1, weightNorm: 1, updateRatio: 1e-3, saturation: 0)])
}
try writer.recordEpochs([epoch(0)], of: live.id)
let (toEvent, toPage) = try await serving(try RunDatabase.open(path: small, access: .readOnly)) {
  port, _ in
  var toEvent: [Double] = []
  let committed = Mutex([Int: ContinuousClock.Instant]())
  let events = try await client.execute(
    HTTPClientRequest(url: "http://127.0.0.1:\(port)/events"), timeout: .seconds(600))
  // The events in one place, for the commits (their `change`) and a page (its `redraw`).
  let (heard, hear) = AsyncStream.makeStream(of: String.self)
  let (redraws, redraw) = AsyncStream.makeStream(of: Void.self)
  let listening = Task {
    for try await buffer in events.body {
      let text = String(buffer: buffer)
      hear.yield(text)
      if text.contains("event: redraw") { redraw.yield() }
    }
  }
  // A page, as its script does: fetched again at each redraw; each epoch's time from its
  // commit until a page that shows it.
  let page = Task {
    var toPage: [Int: Double] = [:]
    for await _ in redraws {
      let (text, _) = try await get(port, "/sweeps/\(liveSweep.id)")
      let now = ContinuousClock.now
      guard let shown = text.firstMatch(of: /running, epoch (\d+)/).flatMap({ Int($0.1) })
      else { throw BenchFailure("the page shows no epoch") }
      for (number, time) in committed.withLock({ $0 }) where number <= shown {
        toPage[number] = toPage[number] ?? inSeconds(now - time)
      }
    }
    return Array(toPage.values)
  }
  var stream = heard.makeAsyncIterator()
  _ = await stream.next()  // `retry: 1000`
  for number in 1...max(5, repetitions * 4) {
    try await Task.sleep(for: .milliseconds(Int.random(in: 150...350)))
    committed.withLock { $0[number] = .now }
    try writer.recordEpochs([epoch(number)], of: live.id)
    // The event that says the run is at this epoch (one of the next few).
    var text = ""
    while !text.contains("\"text\":\"running, epoch \(number)\"") {
      guard let more = await stream.next() else { throw BenchFailure("no event") }
      text += more
    }
    toEvent.append(inSeconds(ContinuousClock.now - committed.withLock { $0[number]! }))
  }
  // The last epochs' page comes at the next redraw.
  try await Task.sleep(for: ChangeWatcher.redrawInterval + .seconds(1))
  listening.cancel()
  redraw.finish()
  return (toEvent, try await page.value)
}
print(
  String(
    format:
      "2. an epoch committed every 150–350 ms reaches an open page: the event that carries it after %.0f ms (goal < 1 s; the watcher looks every 100 ms); the page drawn again with it after %.0f ms, at most %.0f ms (a redraw each %d s while epochs come)",
    median(toEvent) * 1000, median(toPage) * 1000, (toPage.max() ?? 0) * 1000,
    ChangeWatcher.redrawInterval.components.seconds))

// 3. A sweep with 50 open pages against none.
@Sendable func sweepSeconds(database: String) throws -> Double {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: nnlab)
  process.arguments = [
    "sweep", "--data", "spirals", "--examples", "400", "--hidden", "25", "--epochs", "4000",
    "--lambda", "0,0.01,0.1,1", "--lr", "0.3,1,3,10", "--workers", "2", "--db", database,
  ]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  return try seconds {
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchFailure("the sweep failed") }
  }
}
/// `nnlab serve` of `database` on a free port, as a user starts it, for the length of `body`.
func servedByNNLab<T>(_ database: String, _ body: (_ port: Int, _ server: pid_t) async throws -> T)
  async throws -> T
{
  let server = Process()
  server.executableURL = URL(fileURLWithPath: nnlab)
  server.arguments = ["serve", "--db", database, "--port", "0"]
  let printed = Pipe()
  server.standardOutput = printed
  try server.run()
  defer {
    server.terminate()
    server.waitUntilExit()
  }
  // `serving DB at http://127.0.0.1:PORT/ (Ctrl-C stops)`
  var line = ""
  while !line.contains("\n") {
    let data = printed.fileHandleForReading.availableData
    guard !data.isEmpty else { throw BenchFailure("nnlab serve stopped: \(line)") }
    line += String(decoding: data, as: UTF8.self)
  }
  guard let port = line.firstMatch(of: /127\.0\.0\.1:(\d+)\//).flatMap({ Int($0.1) }) else {
    throw BenchFailure("nnlab serve said: \(line)")
  }
  return try await body(port, server.processIdentifier)
}

/// The CPU seconds, user and system, process `pid` has spent so far (from `/proc`).
func cpuSeconds(ofProcess pid: pid_t) throws -> Double {
  let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
  // The fields after the command's name, which is in parentheses: utime and stime are the
  // 14th and 15th of the line.
  let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
  return (Double(fields[11])! + Double(fields[12])!) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

var alone: [Double] = []
var watched: [Double] = []
// CPU seconds while the sweeps with pages open ran: theirs, the server's, the 50 pages'.
var sweepCPU: [Double] = []
var serverCPU: [Double] = []
var pagesCPU: [Double] = []
let fetches = Mutex(0)
for round in 0..<max(3, repetitions) {
  let quiet = folder.appendingPathComponent("quiet-\(round).sqlite").path
  alone.append(try sweepSeconds(database: quiet))
  let busy = folder.appendingPathComponent("busy-\(round).sqlite").path
  // The database made first, so the server opens it before the sweep's workers start.
  try RunDatabase.open(path: busy).close()
  try await servedByNNLab(busy) { port, server in
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<50 {
        group.addTask {
          // A page: the event stream, and the page fetched again at each redraw, as the
          // page's script does.
          let events = try await client.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/events"), timeout: .seconds(600))
          for try await buffer in events.body
          where String(buffer: buffer).contains("event: redraw") {
            _ = try await get(port, "/sweeps/1")
            fetches.withLock { $0 += 1 }
          }
        }
      }
      let before = (
        server: try cpuSeconds(ofProcess: server), pages: cpuSeconds(of: .thisProcess),
        sweep: cpuSeconds(of: .children)
      )
      watched.append(try sweepSeconds(database: busy))
      serverCPU.append(try cpuSeconds(ofProcess: server) - before.server)
      pagesCPU.append(cpuSeconds(of: .thisProcess) - before.pages)
      sweepCPU.append(cpuSeconds(of: .children) - before.sweep)
      group.cancelAll()
    }
  }
}
print(
  String(
    format:
      "3. a 4 × 4 sweep (spirals, 2-25-3 × 4,000 epochs, 2 workers): %.2f s with 50 open pages, %.2f s with none: %+.1f %% (goal < +5 %%); %d pages fetched by them",
    median(watched), median(alone), (median(watched) / median(alone) - 1) * 100,
    fetches.withLock { $0 }))
print(
  String(
    format:
      "   CPU while the sweep ran: nnlab serve %.2f s, %.1f %% of the sweep's %.2f s; the 50 pages (the bench's process) %.2f s",
    median(serverCPU), median(serverCPU) / median(sweepCPU) * 100, median(sweepCPU),
    median(pagesCPU)))
print(
  "the sweeps in turn, seconds: none \(alone.map { String(format: "%.2f", $0) }.joined(separator: " ")); 50 pages \(watched.map { String(format: "%.2f", $0) }.joined(separator: " "))"
)
