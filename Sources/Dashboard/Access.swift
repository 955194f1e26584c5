import Foundation
import HTTPTypes
import Hummingbird

/// The token a server not on loopback asks of every request: as `Authorization: Bearer TOKEN`,
/// the cookie `nnlab_token`, or `?token=TOKEN` in the URL the server printed — which then sets
/// the cookie, so the page's links, its script and its event stream carry it. Without it: 401.
struct Access: RouterMiddleware {
  typealias Context = BasicRequestContext
  static let cookie = "nnlab_token"

  let token: String?

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    guard let token else { return try await next(request, context) }
    let fromQuery = FormQuery(request.uri.query)["token"]
    let offered = [
      request.headers[.authorization].flatMap {
        $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil
      },
      request.cookies[Self.cookie]?.value, fromQuery,
    ]
    guard offered.contains(where: { $0.map { Self.equal($0, token) } ?? false }) else {
      throw HTTPError(
        .unauthorized,
        message: "this server asks for its token: open the URL `nnlab serve` printed, with ?token=")
    }
    var response = try await next(request, context)
    if let fromQuery, Self.equal(fromQuery, token) {
      response.setCookie(
        Cookie(name: Self.cookie, value: token, path: "/", httpOnly: true, sameSite: .strict))
    }
    return response
  }

  /// Whether `a` equals `b`, in a time that does not depend on where they differ.
  static func equal(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
  }
}

/// Headers on every response: a Content-Security-Policy that lets a page run only the
/// server's own script and style and reach only the server (no inline script, nothing from
/// another site, no framing); no MIME sniffing; no referrer (a URL may hold the token).
struct SecurityHeaders: RouterMiddleware {
  typealias Context = BasicRequestContext
  static let policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    var response: Response
    do {
      response = try await next(request, context)
    } catch let error as HTTPError {
      response = Response(
        status: error.status, headers: [.contentType: "text/plain; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: (error.body ?? "\(error.status)") + "\n"))
      )
    }
    response.headers[.contentSecurityPolicy] = Self.policy
    response.headers[.xContentTypeOptions] = "nosniff"
    response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
    return response
  }
}
