import Foundation

/// Where a PostgreSQL store is: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`
/// (`postgres://` too), parsed once. The password comes from the URL, else `PGPASSWORD`, else
/// `~/.pgpass` (or the file `PGPASSFILE` names), as libpq looks for it; `description` never
/// shows it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
  /// How the connection is encrypted: libpq's `sslmode` values nnlab supports.
  public enum TLSMode: String, Sendable, CaseIterable {
    case disable, prefer, require
  }

  public var user: String
  public var password: String?
  public var host: String
  public var port: Int
  public var database: String
  public var tls: TLSMode
  /// How long a connection may take: `PGCONNECT_TIMEOUT` seconds, as libpq reads it, else 10.
  public var connectTimeout: Duration

  /// Whether `location` names a PostgreSQL database rather than an SQLite file.
  public static func isPostgres(_ location: String) -> Bool {
    location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
  }

  /// Parses `url`, taking a password it lacks from `environment` (`PGPASSWORD`, `PGPASSFILE`,
  /// `HOME`) and the password file.
  /// - Throws: `TrackingError.invalidSetting` naming what is wrong, never the password.
  public init(
    url: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws {
    func refuse(_ problem: String) -> TrackingError {
      .invalidSetting(
        "\(Self.redacting(url)) is not a PostgreSQL URL nnlab can use: \(problem)"
          + " (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require])")
    }
    guard Self.isPostgres(url), let components = URLComponents(string: url) else {
      throw refuse("it cannot be parsed")
    }
    guard let user = components.user, !user.isEmpty else { throw refuse("it names no user") }
    guard let host = components.host, !host.isEmpty else { throw refuse("it names no host") }
    let database = String(components.path.dropFirst())
    guard !database.isEmpty, !database.contains("/") else {
      throw refuse("it names no database (…/DATABASE)")
    }
    var tls = TLSMode.prefer
    for item in components.queryItems ?? [] {
      guard item.name == "sslmode" else { throw refuse("unknown parameter '\(item.name)'") }
      guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
        throw refuse("sslmode must be disable, prefer or require")
      }
      tls = mode
    }
    guard components.fragment == nil else { throw refuse("it has a fragment (#…)") }
    guard (1...65535).contains(components.port ?? 5432) else {
      throw refuse("the port must be from 1 to 65535")
    }
    (self.user, self.host, self.port, self.database, self.tls) = (
      user, host, components.port ?? 5432, database, tls
    )
    let timeout = try EnvironmentSetting.seconds(
      "PGCONNECT_TIMEOUT", environment["PGCONNECT_TIMEOUT"], default: 10, atLeast: 1
    ).get()
    connectTimeout = .milliseconds(Int64(timeout * 1000))
    password =
      components.password ?? environment["PGPASSWORD"]
      ?? Self.passwordFile(environment).flatMap {
        Self.password(
          in: $0, host: host, port: components.port ?? 5432, database: database, user: user)
      }
  }

  /// The URL without its password: what errors, `db info` and `runs.command_line` show.
  public var description: String {
    var components = URLComponents()
    components.scheme = "postgresql"
    components.user = user
    components.host = host
    components.port = port
    components.path = "/" + database
    if tls != .prefer {
      components.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)]
    }
    return components.string ?? "postgresql://\(user)@\(host):\(port)/\(database)"
  }

  /// `text` with the password of any PostgreSQL URL in it replaced by `***`: all that
  /// stands before the host (`USER:PASSWORD@`) but a plain user name, so that a URL too
  /// garbled to parse shows no secret either.
  public static func redacting(_ text: String) -> String {
    guard
      let pattern = try? NSRegularExpression(
        pattern:
          #"(postgres(?:ql)?://)(?:([A-Za-z0-9._~%-]*)(:[^\s]*)?|[^\s]*)@(?=[^@\s]*(?:\s|$))"#)
    else { return text }
    var result = ""
    let range = NSRange(text.startIndex..., in: text)
    var last = text.startIndex
    for match in pattern.matches(in: text, range: range) {
      guard let whole = Range(match.range, in: text),
        let scheme = Range(match.range(at: 1), in: text)
      else { continue }
      result += text[last..<whole.lowerBound] + text[scheme]
      if let user = Range(match.range(at: 2), in: text) {
        result += text[user] + (match.range(at: 3).location == NSNotFound ? "" : ":***")
      } else {
        result += "***"
      }
      result += "@"
      last = whole.upperBound
    }
    return result + text[last...]
  }

  /// The password file's text: `PGPASSFILE`, else `~/.pgpass`; nil when there is none.
  private static func passwordFile(_ environment: [String: String]) -> String? {
    let path =
      environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
    return path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
  }

  /// The password of the first line of a `.pgpass` text that matches: fields
  /// `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped.
  static func password(
    in file: String, host: String, port: Int, database: String, user: String
  ) -> String? {
    for line in file.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
      var fields: [String] = [""]
      var escaped = false
      for character in line {
        if escaped {
          fields[fields.count - 1].append(character)
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == ":" && fields.count < 5 {
          fields.append("")
        } else {
          fields[fields.count - 1].append(character)
        }
      }
      guard fields.count == 5 else { continue }
      let wanted = [host, String(port), database, user]
      if zip(fields, wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
    }
    return nil
  }
}
