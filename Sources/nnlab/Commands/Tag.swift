import ArgumentParser
import Foundation
import Tracking

/// `nnlab tag RUN key=value…`: notes on a run, which `runs --where 'tag.key = …'` finds.
struct TagCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tag", abstract: "Set (or with --remove, remove) tags of a run.")

  @Argument(help: "The run's id.")
  var runID: Int64

  @Argument(help: ArgumentHelp("Tags to set.", valueName: "key=value"))
  var tags: [String] = []

  @Option(help: "A tag to remove (repeat for several).")
  var remove: [String] = []

  @OptionGroup var database: DatabaseOptions

  func validate() throws {
    if tags.isEmpty && remove.isEmpty { throw ValidationError("give key=value or --remove key") }
    _ = try pairs()
  }

  func run() throws {
    let store = try database.open(.existing)
    _ = try store.run(runID)
    for (key, value) in try pairs().sorted(by: { $0.key < $1.key }) {
      try store.setTag(key, to: value, of: runID)
    }
    for key in remove where try !store.removeTag(key, of: runID) {
      Terminal.standardError.write("warning: run \(runID) had no tag '\(key)'\n")
    }
    let now = try store.tags(of: runID)
    print("run \(runID): " + (now.isEmpty ? "no tags" : Formatting.tags(now)))
  }

  private func pairs() throws -> [String: String] { try Self.parse(tags) }

  /// `key=value` arguments as a dictionary; a key given twice is an error.
  static func parse(_ tags: [String]) throws -> [String: String] {
    var parsed: [String: String] = [:]
    for tag in tags {
      let (key, value) = try parse(tag)
      guard parsed.updateValue(value, forKey: key) == nil else {
        throw ValidationError("the tag key '\(key)' is given twice")
      }
    }
    return parsed
  }

  /// A `key=value` argument; a key is letters, digits, `_`, `-` and `.` (so that `--where
  /// 'tag.key = …'` can name it).
  static func parse(_ tag: String) throws -> (key: String, value: String) {
    let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty,
      parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
    else {
      throw ValidationError(
        "a tag is key=value with a key of letters, digits, '_', '-' and '.', got '\(tag)'")
    }
    return (String(parts[0]), String(parts[1]))
  }
}
