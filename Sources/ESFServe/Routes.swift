import ESFCore
import ESFEngine
import ESFReports
import ESFRules
import Foundation
import Hummingbird
import Logging

/// The request context of the service's routes.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// A context without a connection (in-process tests).
    public init(logger: Logger) {
        coreContext = .init(source: LoggerSource(logger: logger))
    }

    struct LoggerSource: RequestContextSource {
        var logger: Logger
    }
}

/// The routes of `esfcheck serve` (docs/api.md; docs/openapi.yaml describes them). One function per
/// route; a route of its own (the upload page at `/`) is added in `addRoutes`.
public enum Routes {
    /// The router: every route, behind the problem-document and request-log middleware.
    public static func router(_ service: CheckService, log: RequestLog? = RequestLog.standardError) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        if let log { router.add(middleware: log) }
        router.add(middleware: ProblemMiddleware())
        addRoutes(to: router, service: service)
        return router
    }

    static func addRoutes(to router: Router<ServeContext>, service: CheckService) {
        UploadPage.addRoutes(to: router)
        router.get("/health") { request, _ in try health(request, service) }
        router.get("/v1/packs") { request, _ in try packs(request, service) }
        router.get("/v1/rules/:id") { request, context in try rule(request, id: context.parameters.get("id") ?? "", service) }
        router.post("/v1/check") { request, _ in await service.check(request) }
    }

    /// The method a route of the service takes on `path`, if a route has that path: any other method
    /// there is 405 with `Allow` (the router itself would say 404, as if the path did not exist).
    static func allowedMethod(_ path: String) -> HTTPRequest.Method? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        switch path {
        case "/", "/health", "/v1/packs": return .get
        case "/v1/check": return .post
        default: return parts.count == 4 && parts[1] == "v1" && parts[2] == "rules" && !parts[3].isEmpty ? .get : nil
        }
    }

    /// `GET /health`: the server runs and its packs are loaded.
    static func health(_ request: Request, _ service: CheckService) throws(Problem) -> Response {
        _ = try QueryParameters(request.uri.query, known: [])
        let load = service.gate.load
        return json(["status": .string("ok"), "version": .string(esfcheckVersion), "packs": .int(service.packs.available.count),
                     "checksRunning": .int(load.running), "checksWaiting": .int(load.waiting)])
    }

    /// `GET /v1/packs`: every pack a check can use, in the order the packs are chosen.
    static func packs(_ request: Request, _ service: CheckService) throws(Problem) -> Response {
        let query = try QueryParameters(request.uri.query, known: ["lang"])
        let language = try CheckService.language(query, request.headers)
        let list: [JSONValue] = service.packs.available.compactMap { header in
            guard let pack = service.packs.compiled[header.id] else { return nil }
            var item: [String: JSONValue] = [
                "id": .string(pack.id), "title": .string(pack.title.text(language)), "version": .string(pack.version),
                "provisional": .bool(pack.provisional), "model": .string(pack.model),
                "sha256": .string(service.packs.hash(of: pack) ?? ""), "rules": .int(pack.rules.count),
                "builtin": .bool(Checker.isBuiltin(header)),
            ]
            item["selector"] = .object(pack.selector.mapValues { .string($0) })
            return .object(item)
        }
        return json(["packs": .array(list)], language: language)
    }

    /// `GET /v1/rules/{id}`: one rule as `esfcheck rules show` shows it (ids in any case); 404 for an unknown id.
    static func rule(_ request: Request, id: String, _ service: CheckService) throws(Problem) -> Response {
        let query = try QueryParameters(request.uri.query, known: ["lang"])
        let language = try CheckService.language(query, request.headers)
        let rules = service.packs.available.compactMap { service.packs.compiled[$0.id] }.flatMap(\.rules)
        guard let r = rules.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else {
            throw Problem(.notFound, "unknown-rule", "Unknown rule",
                          detail: "no rule \(QueryParameters.shown(Substring(id)))\(Nearest.hint(id, in: rules.map(\.id))); GET /v1/packs lists the packs")
        }
        var item: [String: JSONValue] = [
            "id": .string(r.id), "pack": .string(r.pack), "title": .string(r.title.text(language)),
            "severity": .string(r.severity.description), "scope": .string(r.scopeName),
            "assertion": .string(r.assertText), "message": .string(r.message.template(language).source),
            "legalBasis": .array(r.legalBasis(in: language).map { .string($0) }),
        ]
        if let when = r.whenText { item["when"] = .string(when) }
        if let help = r.help?.text(language) { item["help"] = .string(help) }
        return json(item, language: language)
    }

    /// A JSON answer (sorted keys).
    static func json(_ object: [String: JSONValue], language: Language? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let language {
            headers[.contentLanguage] = language.rawValue
            headers[.vary] = "Accept-Language"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: JSONValue.object(object).text + "\n")))
    }
}

/// Turns every error a route or the router throws into a problem document: a `Problem` as it is, the
/// router's own errors (404, 405) by their status, anything else as a bare 500 with no detail.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ServeContext

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            return Self.problem(for: error.status, allow: error.headers[.allow], request)
        } catch let error as HTTPResponseError {
            return Self.problem(for: error.status, allow: nil, request)
        } catch {
            return Problem(.internalServerError, "internal", "Internal error", detail: "the server failed to answer this request").response
        }
    }

    /// The problem document of an error status the router or Hummingbird reports.
    static func problem(for status: HTTPResponse.Status, allow: String?, _ request: Request) -> Response {
        switch status {
        case .notFound:
            if let allowed = Routes.allowedMethod(request.uri.path), allowed != request.method {
                return methodNotAllowed(request, allow: allowed.rawValue)
            }
            return Problem(.notFound, "not-found", "Not found", detail: "no route \(request.method) \(QueryParameters.shown(Substring(request.uri.path))); see docs/api.md").response
        case .methodNotAllowed:
            return methodNotAllowed(request, allow: Routes.allowedMethod(request.uri.path)?.rawValue ?? allow)
        case .contentTooLarge: return Problem(.contentTooLarge, "too-large", "Upload too large", detail: "the request body is too large").response
        default:
            let shown = status.code >= 500 ? HTTPResponse.Status.internalServerError : status
            return Problem(shown, shown.code >= 500 ? "internal" : "bad-request", shown.reasonPhrase, detail: shown.reasonPhrase).response
        }
    }
}

extension ProblemMiddleware {
    /// 405 with the methods the path takes in `Allow`.
    static func methodNotAllowed(_ request: Request, allow: String?) -> Response {
        var p = Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed",
                        detail: "\(request.method) is not allowed on \(QueryParameters.shown(Substring(request.uri.path)))" + (allow.map { "; use \($0)" } ?? ""))
        if let allow { p.headers[.allow] = allow }
        return p.response
    }
}

/// One line per request on standard error: time, method, path (no query), status, bytes, duration.
/// Never a query, a header or a body, so no personal data.
public struct RequestLog: RouterMiddleware {
    public typealias Context = ServeContext
    let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let standardError = RequestLog { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }

    public func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let ms = (ContinuousClock.now - start).components
        let millis = ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000
        let time = ISO8601DateFormatter().string(from: Date())
        write("\(time) \(request.method) \(QueryParameters.shown(Substring(request.uri.path))) \(response.status.code) \(response.body.contentLength.map(String.init) ?? "-") \(millis)ms")
        return response
    }
}
