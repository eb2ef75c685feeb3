import ESFEngine
import ESFServe
import Foundation
import Hummingbird
import Logging
import Synchronization
import Testing

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ path: String) -> String { packageRoot.appendingPathComponent("Fixtures/\(path)").path }

/// The built-in packs, loaded once for every test (as `esfcheck serve` loads them at start-up).
let sharedPacks: LoadedPacks? = try? LoadedPacks(config: nil)

/// The server's limits in tests: the defaults, but a time limit no wait for a thread can reach (the
/// tests share a small pool of threads with tests that block theirs for long).
let testLimits: ServeLimits = {
    var limits = ServeLimits()
    limits.timeoutSeconds = 3600
    return limits
}()

/// The test limits with the slots, queue or time limit changed.
func limits(slots: Int? = nil, queue: Int? = nil, timeoutSeconds: Int? = nil) -> ServeLimits {
    var limits = testLimits
    if let slots { limits.maxConcurrentChecks = slots }
    if let queue { limits.queueLength = queue }
    if let timeoutSeconds { limits.timeoutSeconds = timeoutSeconds }
    return limits
}

/// Waits until `condition` holds, checking every 5 ms; fails the test (throws) after `seconds`,
/// so that a condition that never comes cannot hold the run up.
func eventually(_ what: String, within seconds: Int = 300, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw TestTimeout(description: "\(what): not within \(seconds) s")
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var description: String
}

/// An answer, read whole.
struct Answer {
    var status: Int
    var headers: HTTPFields
    var body: String
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    var contentType: String { headers[.contentType] ?? "" }
    /// The diagnostics of a problem document.
    var diagnostics: [[String: Any]] { json?["diagnostics"] as? [[String: Any]] ?? [] }
}

/// The service's routes in-process: requests go to the router's responder, no socket.
struct TestServer {
    let service: CheckService
    let responder: RouterResponder<ServeContext>
    /// The request-log lines written.
    let logged = Lines()

    init(limits: ServeLimits = testLimits, temporaryRoot: String? = nil, packs loaded: LoadedPacks? = nil) throws {
        let packs = try loaded ?? #require(sharedPacks, "the built-in packs did not load")
        let root = try temporaryRoot ?? makeTemporaryFolder()
        service = CheckService(packs: packs, limits: limits, temporaryRoot: root)
        let lines = logged
        responder = Routes.router(service, log: RequestLog { line in lines.value.withLock { $0.append(line) } }).buildResponder()
    }

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: Data = Data()) async throws -> Answer {
        var fields = headers
        if !body.isEmpty, fields[.contentLength] == nil { fields[.contentLength] = String(body.count) }
        return try await send(method, path, headers: fields, body: RequestBody(buffer: ByteBuffer(bytes: body)))
    }

    /// A request with a body of its own (one that arrives slowly, or never ends).
    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: RequestBody) async throws -> Answer {
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers),
                              body: body)
        let response = try await responder.respond(to: request, context: ServeContext(logger: Logger(label: "test")))
        let collector = Collector()
        try await response.body.write(collector)
        return Answer(status: response.status.code, headers: response.headers, body: String(decoding: collector.data.withLock { $0 }, as: UTF8.self))
    }

    /// Whether every request's folder was removed (the server's temporary folder is empty).
    var leftNothing: Bool { (try? FileManager.default.contentsOfDirectory(atPath: service.temporaryRoot).isEmpty) ?? false }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Answer { try await send(.get, path, headers: headers) }

    /// `POST /v1/check` with an XML export as the body.
    func checkXML(_ xml: Data, query: String = "", headers: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        fields[.contentType] = fields[.contentType] ?? "application/xml"
        return try await send(.post, "/v1/check" + query, headers: fields, body: xml)
    }

    /// `POST /v1/check` with a multipart upload of the given files (name, content).
    func checkFiles(_ files: [(String, Data)], query: String = "", field: String = "file", headers: HTTPFields = [:]) async throws -> Answer {
        let boundary = "esfcheck-test-boundary-1234"
        var fields = headers
        fields[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await send(.post, "/v1/check" + query, headers: fields, body: multipart(files, boundary: boundary, field: field))
    }
}

/// A multipart/form-data body of files.
func multipart(_ files: [(String, Data)], boundary: String, field: String = "file") -> Data {
    var body = Data()
    for (name, content) in files {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += content
        body += Data("\r\n".utf8)
    }
    body += Data("--\(boundary)--\r\n".utf8)
    return body
}

final class Collector: ResponseBodyWriter, Sendable {
    let data = Mutex(Data())
    func write(_ buffer: ByteBuffer) async throws {
        data.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

func makeTemporaryFolder() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-serve-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

/// The files of a CSV bundle fixture, by name.
func bundleFiles(_ folder: String) throws -> [(String, Data)] {
    try FileManager.default.contentsOfDirectory(atPath: fixture(folder)).sorted().filter { $0.hasSuffix(".csv") }.map { ($0, try contents(fixture("\(folder)/\($0)"))) }
}

final class Lines: Sendable {
    let value = Mutex<[String]>([])
}
