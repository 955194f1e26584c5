import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Tracking

/// What a real browser shows: headless Chromium (`Browser`) on a live server. Where Chromium is
/// missing the test is skipped with a line that says so, but never in CI (`CI` set).
@Suite struct BrowserTests {
  static let skipped: Bool = {
    guard Browser.executable == nil, ProcessInfo.processInfo.environment["CI"] == nil else {
      return false
    }
    print("BrowserTests skipped: no chromium on the PATH (apt-get install chromium)")
    return true
  }()

  @Test(.enabled(if: !skipped))
  func aCellChangesFromRunningToFinishedWithoutAReload() async throws {
    let database = try LiveDatabase()
    let running = database.runs[1].id
    let dashboard = Dashboard(store: try database.reader(), token: nil)
    try await dashboard.application(host: "127.0.0.1", port: 0).test(.live) { client in
      let port = try #require(client.port)
      let browser = try Browser(executable: try #require(Browser.executable))
      try browser.open("http://127.0.0.1:\(port)/sweeps/\(database.sweep.id)")
      let state = "document.querySelector('[data-run=\"\(running)\"]')?.textContent"
      // The page as the server drew it, its script listening; marked, to tell a reload.
      let first = try await Self.waitFor(browser, state) {
        $0?.hasPrefix("#\(running) running") == true
      }
      #expect(first == "#\(running) running, epoch 2")
      let live = try await Self.waitFor(
        browser, "document.getElementById('live-status').textContent"
      ) {
        $0 == "live"
      }
      #expect(live == "live")
      _ = try browser.evaluate("window.nnlabMark = 'not reloaded'")
      try database.writer.recordEpochs((3...5).map(LiveDatabase.epoch), of: running)
      try database.writer.finishRun(running, outcome: .finished)
      let after = try await Self.waitFor(browser, state) { $0 == "#\(running) finished" }
      #expect(after == "#\(running) finished")
      #expect(try browser.evaluate("window.nnlabMark") as? String == "not reloaded")
      #expect(
        try browser.evaluate("document.querySelector('[data-run=\"\(running)\"]').className")
          as? String == "state finished")
    }
  }

  /// Evaluates `expression` every 100 ms until `done` holds for its text, for at most 60 s
  /// (the suite may run beside many others on two cores); returns the last text.
  static func waitFor(
    _ browser: Browser, _ expression: String, _ done: (String?) -> Bool
  ) async throws -> String? {
    let deadline = ContinuousClock.now + .seconds(60)
    var text: String?
    repeat {
      text = try browser.evaluate(expression) as? String
      if done(text) { return text }
      try await Task.sleep(for: .milliseconds(100))
    } while ContinuousClock.now < deadline
    return text
  }
}
