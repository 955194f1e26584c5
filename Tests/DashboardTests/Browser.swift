import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// it reads commands from its fd 3 and writes answers to fd 4, each JSON ended by a NUL), so a
/// test can open a page and read its DOM as it changes, without reloading it.
final class Browser {
  /// Chromium's path: `NNLAB_CHROMIUM`, else `chromium` on the PATH; nil where there is none.
  static let executable: String? = {
    if let chosen = ProcessInfo.processInfo.environment["NNLAB_CHROMIUM"] { return chosen }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    return path.split(separator: ":").map { "\($0)/chromium" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }()

  private let pid: pid_t
  private let commands: FileHandle
  private let answers: FileHandle
  private let profile: URL
  private var nextID = 0
  private var pending = Data()
  private var session: String?

  init(executable: String) throws {
    profile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nnlab-chromium-\(UUID().uuidString)")
    var toBrowser: [Int32] = [0, 0]
    var fromBrowser: [Int32] = [0, 0]
    guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else {
      throw BrowserError("pipe: \(String(cString: strerror(errno)))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
    posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
    let devNull = Glibc.open("/dev/null", O_WRONLY)
    posix_spawn_file_actions_adddup2(&actions, devNull, 1)
    posix_spawn_file_actions_adddup2(&actions, devNull, 2)
    let arguments = [
      executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "about:blank",
    ]
    var argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var child: pid_t = 0
    let spawned = posix_spawn(&child, executable, &actions, nil, &argv, environ)
    close(devNull)
    close(toBrowser[0])
    close(fromBrowser[1])
    guard spawned == 0 else { throw BrowserError("cannot start \(executable): \(spawned)") }
    pid = child
    commands = FileHandle(fileDescriptor: toBrowser[1], closeOnDealloc: true)
    answers = FileHandle(fileDescriptor: fromBrowser[0], closeOnDealloc: true)
  }

  deinit {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    try? FileManager.default.removeItem(at: profile)
  }

  /// Opens `url` in a new tab and attaches to it; later `evaluate` calls run there.
  func open(_ url: String) throws {
    let target = try send("Target.createTarget", ["url": url])
    let id = try #require(target["targetId"] as? String)
    let attached = try send("Target.attachToTarget", ["targetId": id, "flatten": true])
    session = try #require(attached["sessionId"] as? String)
  }

  /// The value of the JavaScript `expression` in the open page.
  func evaluate(_ expression: String) throws -> Any? {
    let answer = try send(
      "Runtime.evaluate", ["expression": expression, "returnByValue": true], inSession: true)
    return (answer["result"] as? [String: Any])?["value"]
  }

  /// Sends a command and returns its result, skipping the events that come meanwhile.
  private func send(_ method: String, _ parameters: [String: Any], inSession: Bool = false)
    throws -> [String: Any]
  {
    nextID += 1
    var message: [String: Any] = ["id": nextID, "method": method, "params": parameters]
    if inSession { message["sessionId"] = session }
    commands.write(try JSONSerialization.data(withJSONObject: message) + Data([0]))
    while true {
      let answer = try nextMessage()
      guard answer["id"] as? Int == nextID else { continue }
      if let error = answer["error"] { throw BrowserError("\(method): \(error)") }
      return answer["result"] as? [String: Any] ?? [:]
    }
  }

  private func nextMessage() throws -> [String: Any] {
    while true {
      if let end = pending.firstIndex(of: 0) {
        let message = pending[pending.startIndex..<end]
        pending = Data(pending[(end + 1)...])
        return try JSONSerialization.jsonObject(with: message) as? [String: Any] ?? [:]
      }
      let more = answers.availableData
      guard !more.isEmpty else { throw BrowserError("Chromium closed its pipe") }
      pending += more
    }
  }
}

struct BrowserError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
