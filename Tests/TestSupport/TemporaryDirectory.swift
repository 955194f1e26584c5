import Foundation
import Synchronization

/// A new empty folder in the system's temporary folder for one test's files. The test removes
/// it: `defer { try? FileManager.default.removeItem(at: folder) }`.
public func makeTemporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "nnlab-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A new empty folder for files that every test of the process reads (a fixture made once),
/// removed when the process exits.
public func makeTemporaryDirectoryRemovedAtExit() throws -> URL {
  let url = try makeTemporaryDirectory()
  let first = foldersRemovedAtExit.withLock { folders in
    folders.append(url)
    return folders.count == 1
  }
  if first {
    atexit {
      for folder in foldersRemovedAtExit.withLock({ $0 }) {
        try? FileManager.default.removeItem(at: folder)
      }
    }
  }
  return url
}

/// The folders `makeTemporaryDirectoryRemovedAtExit` made.
private let foldersRemovedAtExit = Mutex<[URL]>([])
