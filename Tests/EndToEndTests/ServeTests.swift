import Foundation
import Testing

/// A running `esfcheck serve` on a free loopback port; stopped with SIGTERM.
final class RunningServer {
    let process = Process()
    let port: Int
    private let errors: Pipe

    init(_ arguments: [String] = [], in directory: URL? = nil) throws {
        process.executableURL = try binary()
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = try directory ?? temporaryDirectory()
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = nil
        process.environment = environment
        errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // the first line on stderr names the port: "esfcheck serve: listening on http://127.0.0.1:PORT (…)"
        var seen = Data()
        var port: Int?
        let handle = errors.fileHandleForReading
        while port == nil {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += chunk
            let text = String(decoding: seen, as: UTF8.self)
            if let r = text.firstRange(of: "listening on http://127.0.0.1:") {
                port = Int(text[r.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let port else {
            process.terminate()
            throw ServeTestError(message: "the server did not start: \(String(decoding: seen, as: UTF8.self))")
        }
        self.port = port
    }

    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// One HTTP/1.1 request over a plain loopback socket; the status and the body.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> (status: Int, headers: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeTestError(message: "no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServeTestError(message: "cannot connect to port \(port)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        let message = Data((head + "\r\n").utf8) + body
        _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer.append(buffer, count: n)
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw ServeTestError(message: "no HTTP answer") }
        let headerText = String(text[..<split.lowerBound])
        let status = Int(headerText.split(separator: " ").dropFirst().first ?? "") ?? 0
        var bodyText = String(text[split.upperBound...])
        if headerText.lowercased().contains("transfer-encoding: chunked") { bodyText = Self.unchunked(bodyText) }
        return (status, headerText, bodyText)
    }

    static func unchunked(_ text: String) -> String {
        var out = "", rest = Substring(text)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = rest.utf8.index(lineEnd.upperBound, offsetBy: 0)
            let end = rest.utf8.index(start, offsetBy: size)
            out += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return out
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

@Suite("esfcheck serve: the real binary on a loopback port")
struct ServeEndToEndTests {
    @Test("serve answers health, packs, and a check with the CLI's JSON report; SIGTERM stops it")
    func serve() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(atPath: fixture("ucne-delavnice/export.xml"), toPath: dir.appendingPathComponent("export.xml").path)
        let server = try RunningServer()
        let health = try server.request("GET", "/health")
        #expect(health.status == 200)
        #expect(health.body.contains("\"ok\""))
        #expect(try server.request("GET", "/v1/packs").body.contains("esf-2014-2020"))
        let body = try Data(contentsOf: dir.appendingPathComponent("export.xml"))
        let checked = try server.request("POST", "/v1/check", headers: ["Content-Type": "application/xml"], body: body)
        #expect(checked.status == 406)
        // the CLI's report of the same file under the same name, run where the file is
        let cli = try run(["check", "export.xml", "--format", "json"], in: dir)
        #expect(cli.status == 1)
        func withoutStart(_ s: String) -> String { s.split(separator: "\n").filter { !$0.contains("\"startedAt\"") }.joined(separator: "\n") }
        #expect(withoutStart(checked.body) == withoutStart(cli.stdout))
        let unreadable = try server.request("POST", "/v1/check?pack=esf-2014-2020", headers: ["Content-Type": "text/xml"], body: Data("<operation".utf8))
        #expect(unreadable.status == 422)
        #expect(unreadable.headers.lowercased().contains("content-type: application/problem+json"))
        #expect(server.stop() == 0)
    }

    @Test("bad options and a broken config stop the start with exit 2", arguments: [
        ["serve", "--port", "70000"], ["serve", "--timeout-seconds", "0"], ["serve", "--max-concurrent-checks", "0"],
        ["serve", "--config", "missing.yaml"], ["serve", "--rules", "no-such-folder"], ["serve", "--host", ""],
    ])
    func badOptions(arguments: [String]) throws {
        let r = try run(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test("an address that cannot be bound is exit 2 with the reason")
    func unbindable() throws {
        let server = try RunningServer()
        defer { _ = server.stop() }
        let r = try run(["serve", "--port", String(server.port)])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot serve on 127.0.0.1:\(server.port)"))
    }
}
