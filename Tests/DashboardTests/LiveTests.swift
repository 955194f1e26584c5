import AsyncHTTPClient
import CSV
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing
import Tracking

@testable import Dashboard

/// A database of its own for each test: runs made through the store, one of them still
/// running, so that a test can write epochs while the dashboard serves.
struct LiveDatabase {
  /// The SQLite file or the PostgreSQL URL.
  let location: String
  let writer: any RunStore
  let sweep: Sweep
  let runs: [Run]

  /// Three runs of a sweep: the first finished with a gradient check, the second running, the
  /// third queued; names and tags are `hostile` text.
  init(hostile: String = "plain", on backend: Backend = .sqlite) throws {
    location = try backend.newDatabase(in: try makeTemporaryDirectoryRemovedAtExit())
    writer = try RunStores.open(location)
    sweep = try writer.createSweep(name: hostile, spec: "{}")
    var made: [Run] = []
    for (index, lambda) in [0.0, 1, 3].enumerated() {
      var spec = RunSpec.example(sweep: sweep.id, name: hostile, layers: "4-3-2", lambda: lambda)
      spec.epochs = 5
      made.append(contentsOf: try writer.queueRuns([spec], in: sweep.id))
      if index < 2 {
        let run = try writer.claimQueuedRun(in: sweep.id)!
        try writer.setTag("note", to: hostile, of: run.id)
        try writer.recordEpochs((0...2).map(Self.epoch), of: run.id)
        if index == 0 {
          try writer.recordGradientCheck(
            [(layer: 1, maxAbsDifference: 3e-11, relativeDifference: 4.5e-10)], of: run.id,
            epoch: 0)
          try writer.finishRun(run.id, outcome: .finished)
        }
      }
    }
    runs = made
  }

  /// Epoch `epoch` of a 4-3-2 network, its errors falling with the epoch.
  static func epoch(_ epoch: Int) -> EpochRecord {
    EpochRecord(
      epoch: epoch, cost: 1 / Double(epoch + 1) + 0.1, trainError: 1 / Double(epoch + 1),
      validationError: 1.5 / Double(epoch + 1), trainAccuracy: 0.5, validationAccuracy: 0.4,
      gradientNorm: 0.3 / Double(epoch + 1), seconds: 0.01,
      layers: [
        .init(layer: 1, gradientNorm: 0.2, weightNorm: 1, updateRatio: 1e-3, saturation: 0.1),
        .init(layer: 2, gradientNorm: 0.1, weightNorm: 2, updateRatio: 2e-3, saturation: 0.2),
      ],
      snapshots: [
        .init(layer: 1, rows: 3, columns: 5, values: (0..<15).map { Double($0) / 7 }),
        .init(layer: 2, rows: 2, columns: 4, values: (0..<8).map { -Double($0) / 3 }),
      ])
  }

  /// The database as the server opens it: read-only.
  func reader() throws -> any RunStore { try RunStores.open(location, access: .readOnly) }
}

@Suite struct LiveTests {
  @Test(arguments: Backend.tested)
  func namesTagsAndErrorsFromTheDatabaseAreEscaped(backend: Backend) async throws {
    let payloads = [
      "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)",
      "</title><svg onload=alert(1)>",
    ]
    for payload in payloads {
      let database = try LiveDatabase(hostile: payload, on: backend)
      let run = database.runs[0].id
      let pages = try await RouteTests.get(
        ["/", "/sweeps/\(database.sweep.id)", "/runs/\(run)", "/compare?runs=\(run)"],
        from: try database.reader())
      for page in pages {
        #expect(page.status == .ok)
        #expect(!page.body.contains(payload), "\(payload)")
        #expect(!page.body.contains("<script>") && !page.body.contains("<img"))
      }
      #expect(pages[2].body.contains("<td>tag note</td><td>" + escaped(payload)))
      #expect(pages[1].body.contains(escaped(payload)))
    }
  }

  /// The HTML escaping the pages must apply, written out here.
  private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
      .replacingOccurrences(of: "'", with: "&#39;")
  }

  @Test func aRunsGradientChecksAreShownAndDownloadedToTheLastDigit() async throws {
    let database = try LiveDatabase()
    let run = database.runs[0].id
    let (page, csv) = try await {
      let responses = try await RouteTests.get(
        ["/runs/\(run)", "/runs/\(run)/gradient-checks.csv"], from: try database.reader())
      return (responses[0].body, responses[1].body)
    }()
    #expect(page.contains("<td>4.5e-10</td>") && page.contains("<td>3e-11</td>"))
    #expect(
      csv
        == "run_id,epoch,layer,max_abs_difference,relative_difference\r\n\(run),0,1,3e-11,4.5e-10\r\n"
    )
  }

  @Test func theTokenIsAskedOfEveryRequest() async throws {
    let token = "s3cret-token-0123456789"
    let store = try LiveDatabase().reader()
    let dashboard = Dashboard(store: store, token: token)
    try await dashboard.application(host: "0.0.0.0", port: 0).test(.router) { client in
      for uri in ["/", "/sweeps/1", "/runs/1/epochs.csv", "/events", "/static/dashboard.js"] {
        let refused = try await client.execute(uri: uri, method: .get)
        #expect(refused.status == .unauthorized, "\(uri)")
        #expect(String(buffer: refused.body).contains("token"))
      }
      let wrong = try await client.execute(
        uri: "/", method: .get, headers: [.authorization: "Bearer not-the-token-at-all"])
      #expect(wrong.status == .unauthorized)
      let bearer = try await client.execute(
        uri: "/", method: .get, headers: [.authorization: "Bearer \(token)"])
      #expect(bearer.status == .ok)
      // The URL the server prints: the page sets the cookie its links and script then carry.
      let first = try await client.execute(uri: "/?token=\(token)", method: .get)
      #expect(first.status == .ok)
      let cookie = try #require(first.headers[.setCookie])
      #expect(cookie.contains("nnlab_token=\(token)") && cookie.contains("HttpOnly"))
      let next = try await client.execute(
        uri: "/sweeps/1", method: .get, headers: [.cookie: "nnlab_token=\(token)"])
      #expect(next.status == .ok)
    }
  }

  @Test(arguments: Backend.tested)
  func csvDownloadsHoldEveryDigit(backend: Backend) async throws {
    let database = try LiveDatabase(on: backend)
    let store = try database.reader()
    let run = database.runs[0].id
    let responses = try await RouteTests.get(
      ["/runs/\(run)/epochs.csv", "/sweeps/\(database.sweep.id)/runs.csv?sort=lambda&desc=1"],
      from: store)
    #expect(responses[0].headers[.contentType] == "text/csv; charset=utf-8")
    #expect(responses[0].headers[.contentDisposition]?.contains("attachment") == true)
    let epochs = try CSVReader(string: responses[0].body, hasHeaderRow: true)
    let header = try #require(epochs.headerRow)
    let cost = try #require(header.firstIndex(of: "cost"))
    var costs: [Double] = []
    while let row = epochs.next() { costs.append(Double(row[cost])!) }
    #expect(costs == (0...2).map { LiveDatabase.epoch($0).cost })
    let runs = try CSVReader(string: responses[1].body, hasHeaderRow: true)
    let lambda = try #require(runs.headerRow?.firstIndex(of: "lambda"))
    var lambdas: [Double] = []
    while let row = runs.next() { lambdas.append(Double(row[lambda])!) }
    #expect(lambdas == [3, 1, 0])
  }

  /// Reads server-sent events from a live server until `until` is satisfied by what came.
  static func events(
    from port: Int, lastEventID: String? = nil, within seconds: Int64 = 60,
    while action: @escaping @Sendable () async throws -> Void,
    until done: @escaping @Sendable (String) -> Bool
  ) async throws -> String {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/events")
    if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(seconds))
    #expect(response.headers.first(name: "content-type") == "text/event-stream")
    var text = ""
    async let acting: Void = action()
    for try await buffer in response.body {
      text += String(buffer: buffer)
      if done(text) { break }
    }
    try await acting
    return text
  }

  @Test(arguments: Backend.tested)
  func anEpochCommittedByAnotherProcessReachesAnOpenPageAsAnEvent(backend: Backend) async throws {
    let database = try LiveDatabase(on: backend)
    let running = database.runs[1].id
    let dashboard = Dashboard(store: try database.reader(), token: nil)
    try await dashboard.application(host: "127.0.0.1", port: 0).test(.live) { client in
      let port = try #require(client.port)
      // The event must come (within the stream's 60 s, which a suite running beside many
      // others on two cores may need); how soon is the bench's to measure.
      let text = try await Self.events(from: port) {
        try await Task.sleep(for: .milliseconds(300))
        try database.writer.recordEpochs([LiveDatabase.epoch(3)], of: running)
      } until: {
        $0.contains("event: change")
      }
      #expect(text.contains("id: 1\nevent: change"))
      // The event says where the run is, for the page's script to show at once.
      let state = "{\"id\":\(running),\"state\":\"running\",\"text\":\"running, epoch 3\"}"
      #expect(text.contains(state))
      // The page drawn now shows the new epoch.
      let page = try await client.execute(uri: "/sweeps/\(database.sweep.id)", method: .get)
      #expect(
        String(buffer: page.body).contains("data-run=\"\(running)\">#\(running) running, epoch 3"))
    }
  }

  @Test func aClientThatMissedChangesHearsAtOnceWhenItComesBack() async throws {
    let database = try LiveDatabase()
    let dashboard = Dashboard(store: try database.reader(), token: nil)
    try await dashboard.application(host: "127.0.0.1", port: 0).test(.live) { client in
      let port = try #require(client.port)
      // One change while no one listens: the generation is 1.
      try await Task.sleep(for: .milliseconds(300))
      try database.writer.recordEpochs([LiveDatabase.epoch(3)], of: database.runs[1].id)
      while dashboard.watcher.generation < 1 { try await Task.sleep(for: .milliseconds(20)) }
      let text = try await Self.events(from: port, lastEventID: "0") {
      } until: {
        $0.contains("event: change")
      }
      #expect(text.contains("id: 1\nevent: change"))
      #expect(text.contains("id: 1\nevent: redraw"))
      // A new page hears the latest redraw at once (it may have been drawn before it), and no
      // change it has not missed.
      let opened = try await Self.events(from: port) {
      } until: {
        $0.contains("event: redraw")
      }
      #expect(opened.contains("id: 1\nevent: redraw") && !opened.contains("event: change"))
    }
  }

  @Test func aPageThatCouldNotBeDrawnIsDrawnAgainWhenNextAskedFor() async throws {
    let pages = PageCache()
    let attempts = Mutex(0)
    let draw: @Sendable () async throws -> String = {
      let attempt = attempts.withLock {
        $0 += 1
        return $0
      }
      guard attempt > 1 else { throw HTTPError(.serviceUnavailable, message: "busy") }
      return "drawn"
    }
    await #expect(throws: HTTPError.self) { try await pages.page("/", generation: 1, draw: draw) }
    #expect(try await pages.page("/", generation: 1, draw: draw) == "drawn")
    // Drawn once for the redraw, however often asked.
    #expect(try await pages.page("/", generation: 1, draw: draw) == "drawn")
    #expect(attempts.withLock { $0 } == 2)
  }

  @Test func pagesAreDrawnAgainAtARedrawNotAtEveryChange() async throws {
    let database = try LiveDatabase()
    let running = database.runs[1].id
    let dashboard = Dashboard(store: try database.reader(), token: nil)
    try await dashboard.application(host: "127.0.0.1", port: 0).test(.live) { client in
      let port = try #require(client.port)
      let response = try await HTTPClient.shared.execute(
        HTTPClientRequest(url: "http://127.0.0.1:\(port)/events"), timeout: .seconds(60))
      var events = response.body.makeAsyncIterator()
      /// What the stream says until it has said `wanted`.
      func heard(_ wanted: String) async throws {
        var text = ""
        while !text.contains(wanted) {
          text += String(buffer: try #require(try await events.next()))
        }
      }
      func page() async throws -> String {
        String(
          buffer: try await client.execute(uri: "/sweeps/\(database.sweep.id)", method: .get).body)
      }
      try await heard("retry")
      // A change after a quiet spell: redrawn at once.
      try await Task.sleep(for: .milliseconds(300))
      try database.writer.recordEpochs([LiveDatabase.epoch(3)], of: running)
      try await heard("id: 1\nevent: redraw")
      #expect(try await page().contains("running, epoch 3"))
      // Another change soon after: its event comes at once, and the page stays as it was
      // drawn until the next redraw (unless that came already, on a slow machine).
      try database.writer.recordEpochs([LiveDatabase.epoch(4)], of: running)
      try await heard("\"text\":\"running, epoch 4\"")
      let drawnBefore = dashboard.watcher.drawn
      let between = try await page()
      if drawnBefore == 1 && dashboard.watcher.drawn == 1 {
        #expect(between.contains("running, epoch 3"))
      }
      // The next redraw comes though nothing changes after it, with the page drawn anew.
      let changed = dashboard.watcher.generation
      let deadline = ContinuousClock.now + .seconds(60)
      while dashboard.watcher.drawn < changed && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(try await page().contains("running, epoch 4"))
    }
  }

  @Test func redrawsComeAtTheFirstChangeAfterAQuietSpellAndThenAtMostEachInterval() async {
    let fingerprint = Mutex("first")
    let watcher = ChangeWatcher(
      interval: .milliseconds(100), states: { _ in [] }, look: { fingerprint.withLock { $0 } })
    let (events, stop) = watcher.events()
    let start = ContinuousClock.now
    func look(_ seconds: Double, seeing value: String) {
      fingerprint.withLock { $0 = value }
      watcher.check(at: start + .seconds(seconds))
    }
    look(0, seeing: "first")  // only takes the fingerprint
    look(0.1, seeing: "a")  // change 1, redrawn at once
    look(1, seeing: "b")  // change 2
    look(2, seeing: "c")  // change 3
    look(3.2, seeing: "c")  // nothing changed, but 3 s passed: redraw 3
    look(3.5, seeing: "c")
    look(10, seeing: "d")  // change 4 after a quiet spell: redrawn at once
    stop()
    var heard: [String] = []
    for await event in events { heard.append("\(event.kind) \(event.generation)") }
    #expect(
      heard == ["change 1", "redraw 1", "change 2", "change 3", "redraw 3", "change 4", "redraw 4"])
    #expect(watcher.drawn == 4)
  }

  @Test func theServerNeverStandsInAWritersWay() async throws {
    let database = try LiveDatabase()
    let dashboard = Dashboard(store: try database.reader(), token: nil)
    let sweep = database.sweep.id
    // A writer that waits for no lock: any lock the server held would fail it at once.
    var configuration = Configuration()
    configuration.busyMode = .immediateError
    let impatient = try DatabaseQueue(path: database.location, configuration: configuration)
    try await dashboard.application(host: "127.0.0.1", port: 0).test(.router) { client in
      for epoch in 3...40 {
        // A new address each time (the server ignores `visit`), so no page comes from its cache.
        let page = try await client.execute(uri: "/sweeps/\(sweep)?visit=\(epoch)", method: .get)
        #expect(page.status == .ok)
        let run = try await client.execute(
          uri: "/runs/\(database.runs[1].id)?visit=\(epoch)", method: .get)
        #expect(run.status == .ok)
        // A write lock at once, and a checkpoint that copies every page back and empties the
        // log, which no reader may hold back: the server holds no transaction between requests.
        try await impatient.write { db in
          try db.execute(sql: "UPDATE runs SET heartbeat_at = heartbeat_at WHERE id = 1")
        }
        let checkpoint = try impatient.writeWithoutTransaction { db in
          try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")!
        }
        #expect(checkpoint[0] as Int == 0, "the checkpoint was blocked at epoch \(epoch)")
        try database.writer.recordEpochs([LiveDatabase.epoch(epoch)], of: database.runs[1].id)
      }
    }
  }
}
