import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Reports
import ServiceLifecycle
import Synchronization
import Tracking

/// `nnlab serve`: a read-only web server of a database's sweeps and runs (Hummingbird), whose
/// pages are `DashboardPage`'s and whose `/events` stream tells open pages when other processes
/// commit (`ChangeWatcher`).
///
/// Routes: `/`, `/sweeps/ID`, `/runs/ID`, `/compare?runs=1,2,3`, the CSV of every table
/// (`/runs.csv`, `/sweeps/ID/runs.csv`, `/sweeps/ID/grid.csv`, `/runs/ID/epochs.csv`,
/// `/runs/ID/layers.csv`), `/events`
/// and `/static/dashboard.css|js`. Bad ids and filters are 4xx with a message, never 500.
public struct Dashboard: Sendable {
  public let store: any RunStore
  /// Asked of every request when set (`Access`).
  public let token: String?
  public let watcher: ChangeWatcher
  let pages: PageCache

  public init(store: any RunStore, token: String?, watcher: ChangeWatcher? = nil) {
    self.store = store
    self.token = token
    self.watcher = watcher ?? ChangeWatcher(store: store)
    pages = PageCache()
  }

  /// Whether `host` is a loopback address, which may be served without a token.
  public static func isLoopback(_ host: String) -> Bool {
    ["127.0.0.1", "::1", "localhost", "[::1]"].contains(host.lowercased())
      || host.hasPrefix("127.")
  }

  /// Why the server could not start or stopped, in words: `address already in use` for a
  /// port taken, rather than the system call's name.
  public static func reason(_ error: any Error) -> String {
    guard let error = error as? IOError else { return "\(error)" }
    return String(cString: strerror(error.errnoCode)).lowercased()
  }

  /// A token of 128 random bits, as 32 hexadecimal digits.
  public static func newToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<4).map { _ in String(format: "%08x", generator.next() as UInt32) }.joined()
  }

  /// The server on `host`:`port` (0: any free port); `running` is told the port it listens on.
  public func application(
    host: String, port: Int, running: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    // What the server logs is its own business (a client gone mid-response, say); what stops
    // it reaches the command as an error.
    var logger = Logger(label: "nnlab.serve")
    logger.logLevel = .critical
    return Application(
      router: router(),
      configuration: .init(address: .hostname(host, port: port), serverName: "nnlab"),
      services: [watcher],
      onServerRunning: { channel in await running(channel.localAddress?.port ?? port) },
      logger: logger)
  }

  /// The routes, behind the token check and the security headers.
  public func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: SecurityHeaders())
    router.add(middleware: Access(token: token))
    router.get("/") { request, _ in
      try await page(request) { _ in try DashboardPage.index(in: store) }
    }
    router.get("/sweeps/:id") { request, context in
      let id = try Self.id(context)
      return try await page(request) { query in
        try DashboardPage.sweep(id, in: store, view: try query.sweepView)
      }
    }
    router.get("/runs/:id") { request, context in
      let id = try Self.id(context)
      return try await page(request) { query in
        try DashboardPage.run(
          id, in: store, snapshots: try query.snapshots, curves: try query.curves)
      }
    }
    router.get("/compare") { request, _ in
      try await page(request) { query in
        guard let ids = DashboardPage.ids(query.all("runs")), !ids.isEmpty else {
          throw HTTPError(.badRequest, message: "give the runs to compare: /compare?runs=1,2,3")
        }
        return try DashboardPage.compare(ids, in: store, curves: try query.curves)
      }
    }
    router.get("/sweeps.csv") { request, _ in
      try await csv(request) { _ in try DashboardPage.sweepsTable(in: store) }
    }
    router.get("/runs.csv") { request, _ in
      try await csv(request) { query in
        guard let ids = DashboardPage.ids(query.all("runs")) else {
          throw FormQuery.Mistake(message: "runs: give run ids, as 1,2,3")
        }
        return try RunListing(ids: ids.isEmpty ? nil : ids).run(on: store)
      }
    }
    router.get("/sweeps/:id/runs.csv") { request, context in
      let id = try Self.id(context)
      return try await csv(request) { query in
        _ = try store.existingSweep(id)
        return try query.sweepView.listing(of: id).run(on: store)
      }
    }
    router.get("/sweeps/:id/grid.csv") { request, context in
      let id = try Self.id(context)
      return try await csv(request) { _ in
        _ = try store.existingSweep(id)
        return try Report.named("sweep").run(on: store, arguments: ["sweep": String(id)])
      }
    }
    for table in [ExportQuery.epochs, .layers, .gradientChecks] {
      router.get("/runs/:id/\(table.rawValue).csv") { request, context in
        let id = try Self.id(context)
        return try await csv(request) { _ in
          _ = try store.run(id)
          let (sql, parameters) = table.sql(run: id, sweep: nil, epoch: nil)
          return try store.select(sql, parameters: parameters)
        }
      }
    }
    router.get("/events") { request, _ in events(request) }
    router.get("/static/dashboard.css") { _, _ in
      Self.text(DashboardPage.style, type: "text/css; charset=utf-8")
    }
    router.get("/static/dashboard.js") { _, _ in
      Self.text(DashboardPage.script, type: "text/javascript; charset=utf-8")
    }
    return router
  }

  // MARK: Responses

  /// A page drawn by `draw` from the request's query, once per generation of the database
  /// however many pages ask for it at once (`PageCache`).
  private func page(_ request: Request, draw: @escaping @Sendable (FormQuery) throws -> String)
    async throws -> Response
  {
    let query = FormQuery(request.uri.query)
    let html = try await pages.page(request.uri.string, generation: watcher.drawn) {
      try await reading { try draw(query) }
    }
    return Self.text(html, type: "text/html; charset=utf-8")
  }

  /// A table as CSV with every digit (`RowWriter`), downloaded as a file.
  private func csv(_ request: Request, rows: @escaping @Sendable (FormQuery) throws -> QueryResult)
    async throws -> Response
  {
    let text = try await reading {
      try RowWriter<String>.text(of: try rows(FormQuery(request.uri.query)), as: .csv)
    }
    var response = Self.text(text, type: "text/csv; charset=utf-8")
    let name = request.uri.path.split(separator: "/").joined(separator: "-")
    response.headers[.contentDisposition] = "attachment; filename=\"nnlab-\(name)\""
    return response
  }

  /// `/events`: the watcher's events as server-sent events, each with its generation as id: a
  /// `change` each time the database changes, its data the state of each run running or just
  /// stopped, which the page's script writes into the page; a `redraw` when the page is worth
  /// fetching again. A client gets the latest redraw at once, and when its `Last-Event-ID` is
  /// behind (it missed events while it reconnected) the latest change.
  private func events(_ request: Request) -> Response {
    let seen = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0) }
    let events = watcher.events()
    let latest = watcher.latest
    let body = ResponseBody { writer in
      var buffer = ByteBuffer(string: "retry: 1000\n\n")
      if let seen, let change = latest.change, change.generation != seen {
        buffer.writeString(Self.event(change))
      }
      // Always the latest redraw: the page may have been drawn before it (and fetching it
      // again costs no drawing, the page being kept for that redraw).
      if let redraw = latest.redraw { buffer.writeString(Self.event(redraw)) }
      try await writer.write(buffer)
      // Until the client leaves or the server stops (which would otherwise wait for it).
      try await withGracefulShutdownHandler {
        for await event in events.stream {
          try await writer.write(ByteBuffer(string: Self.event(event)))
        }
      } onGracefulShutdown: {
        events.stop()
      }
      try await writer.finish(nil)
    }
    return Response(
      status: .ok,
      headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
  }

  static func event(_ event: ChangeWatcher.Event) -> String {
    "id: \(event.generation)\nevent: \(event.kind.rawValue)\ndata: \(event.data)\n\n"
  }

  static func text(_ text: String, type: String) -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }

  /// The `:id` of the route: a positive whole number, else 400.
  static func id(_ context: BasicRequestContext) throws -> Int64 {
    let text = context.parameters.get("id") ?? ""
    guard let id = Int64(text), id > 0 else {
      throw HTTPError(.badRequest, message: "'\(text)' is not an id: ids are whole numbers from 1")
    }
    return id
  }

  /// Runs `body`, whose store calls block, on a thread of its own rather than Swift's
  /// cooperative pool; maps what it throws to an HTTP status with a message.
  private func reading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result = await withCheckedContinuation {
      (done: CheckedContinuation<Result<T, any Error>, Never>) in
      DispatchQueue.global().async { done.resume(returning: Result { try body() }) }
    }
    do {
      return try result.get()
    } catch let error as HTTPError {
      throw error
    } catch let error as TrackingError {
      switch error {
      case .runNotFound, .sweepNotFound: throw HTTPError(.notFound, message: error.description)
      default: throw HTTPError(.serviceUnavailable, message: error.description)
      }
    } catch let error as ReportError {
      throw HTTPError(.badRequest, message: error.description)
    } catch let error as FormQuery.Mistake {
      throw HTTPError(.badRequest, message: error.message)
    }
  }
}

/// Pages drawn for the current redraw (`ChangeWatcher.drawn`), by URI, dropped at the next. A
/// page asked for while it is being drawn waits for that drawing: fifty open pages told to
/// redraw at once cost one drawing, not fifty.
final class PageCache: Sendable {
  private let pages = Mutex((generation: 0, byKey: [String: Task<String, any Error>]()))
  /// Pages kept at most; a bigger cache is emptied.
  static let capacity = 64

  /// The page `key` of `generation`: drawn by `draw` unless it was, or is being, drawn.
  func page(
    _ key: String, generation: Int, draw: @escaping @Sendable () async throws -> String
  ) async throws -> String {
    let drawing = pages.withLock { pages -> Task<String, any Error> in
      if pages.generation == generation, let drawing = pages.byKey[key] { return drawing }
      let drawing = Task { try await draw() }
      guard generation >= pages.generation else { return drawing }
      if pages.generation != generation || pages.byKey.count >= Self.capacity {
        pages = (generation, [:])
      }
      pages.byKey[key] = drawing
      return drawing
    }
    do {
      return try await drawing.value
    } catch {
      // A page that could not be drawn (the database busy a moment) is drawn again when next
      // asked for, not answered with the error until the next redraw.
      pages.withLock { pages in
        if pages.generation == generation, pages.byKey[key] == drawing {
          pages.byKey[key] = nil
        }
      }
      throw error
    }
  }
}
