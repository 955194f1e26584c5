import Foundation
import PackagePlugin

/// Compiles the package's SQL into the target that uses it: `migrations/*.sql` into Tracking,
/// `reports/*.sql` into Reports, each with its `postgresql/` folder of PostgreSQL versions, as
/// a generated `EmbeddedSQL.swift` of string literals — so an installed `nnlab` needs no
/// resource bundle and works from any directory.
///
/// SwiftPM lists the inputs when it plans the build: a new .sql file is seen after
/// `Package.swift` is touched (or with `--disable-build-manifest-caching`).
@main
struct EmbedSQL: BuildToolPlugin {
  /// The folder of SQL each target embeds.
  static let folders = ["Tracking": "migrations", "Reports": "reports"]

  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    guard let folder = Self.folders[target.name] else {
      throw PluginError(message: "EmbedSQL knows no SQL folder for target \(target.name)")
    }
    let directory = context.package.directoryURL.appending(path: folder)
    let files = try sqlFiles(in: directory) + sqlFiles(in: directory.appending(path: "postgresql"))
    let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
    return [
      .buildCommand(
        displayName: "Embedding \(files.count) SQL files of \(folder)/ into \(target.name)",
        executable: try context.tool(named: "EmbedSQLTool").url,
        arguments: [output.path] + files.map(\.path),
        inputFiles: files,
        outputFiles: [output])
    ]
  }
}

/// The `.sql` files of `directory` by name; none when it does not exist.
private func sqlFiles(in directory: URL) throws -> [URL] {
  guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
  return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
    .filter { $0.pathExtension == "sql" }
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
}

struct PluginError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
