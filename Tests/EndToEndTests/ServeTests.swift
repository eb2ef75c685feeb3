import Foundation
import Testing

/// A running `esfcheck serve` on a free loopback port; stopped with SIGTERM. Every wait is bounded:
/// a server that does not start, answer or stop fails the test instead of holding the run up.
final class RunningServer {
    let process = Process()
    let port: Int
    /// What the server wrote to its standard error, read on a thread of its own from the start (so
    /// that a full pipe can never stop the server).
    private let errors = Collected()
    private let drained = DispatchSemaphore(value: 0)

    init(_ arguments: [String] = [], in directory: URL? = nil) throws {
        process.executableURL = try binary()
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = try directory ?? temporaryDirectory()
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        let errors = self.errors, drained = self.drained
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                errors.data.withLock { $0 += chunk }
            }
            drained.signal()
        }
        // the first line on stderr names the port: "esfcheck serve: listening on http://127.0.0.1:PORT (…)"
        let deadline = Date().addingTimeInterval(120)
        var port: Int?
        while port == nil, Date() < deadline {
            let text = errors.text
            if let r = text.firstRange(of: "listening on http://127.0.0.1:") {
                port = Int(text[r.upperBound...].prefix { $0.isNumber })
            } else if !process.isRunning {
                break
            } else {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        guard let port else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw ServeTestError(message: "the server did not start within 120 s: \(errors.text)")
        }
        self.port = port
    }

    /// SIGTERM, then up to 60 s for the server to end (SIGKILL after that); its exit status.
    func stop() -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("the server did not stop within 60 s of SIGTERM: \(errors.text)")
        }
        process.waitUntilExit()
        _ = drained.wait(timeout: .now() + 10)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
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
        // an answer that does not come fails the test within two minutes instead of holding the run up
        var limit = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        let message = Data((head + "\r\n").utf8) + body
        _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw ServeTestError(message: "no answer to \(method) \(path) within 120 s") }
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
        // a server that starts after all would run for ever: bounded
        let (r, timedOut) = try run(arguments, timeout: 120)
        #expect(!timedOut, "\(arguments) did not stop")
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test("an address that cannot be bound is exit 2 with the reason")
    func unbindable() throws {
        let server = try RunningServer()
        defer { _ = server.stop() }
        let (r, timedOut) = try run(["serve", "--port", String(server.port)], timeout: 120)
        #expect(!timedOut, "a second server on the same port did not stop")
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot serve on 127.0.0.1:\(server.port)"))
    }
}
