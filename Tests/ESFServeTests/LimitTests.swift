@testable import ESFServe
import Foundation
import Hummingbird
import Testing

@Suite("serve: concurrency and time limits")
struct LimitTests {
    let sample = try! contents(fixture("ucne-delavnice/export.xml"))

    @Test("the gate admits up to its slots, queues up to its length, refuses one more, and hands slots on in order")
    func gate() async throws {
        let gate = CheckGate(slots: 1, queueLength: 1)
        // far enough that no wait for a thread (the tests share a small pool) can reach it
        let far = ContinuousClock.now.advanced(by: .seconds(3600))
        #expect(await gate.acquire(until: far) == .admitted)
        let waiting = Task { await gate.acquire(until: far) }
        try await eventually("the second check waits in the queue") { gate.load.waiting == 1 }
        #expect(await gate.acquire(until: far) == .queueFull)
        gate.release()
        #expect(await waiting.value == .admitted)
        #expect(gate.load.running == 1 && gate.load.waiting == 0)
        // a waiter whose deadline passes leaves the queue
        #expect(await gate.acquire(until: ContinuousClock.now.advanced(by: .milliseconds(50))) == .timedOut)
        gate.release()
        #expect(gate.load.running == 0)
    }

    @Test("with every slot busy and the queue full, a check is 503 with Retry-After; then it runs again")
    func busy() async throws {
        let server = try TestServer(limits: limits(slots: 1, queue: 0, timeoutSeconds: 3600))
        #expect(await server.service.gate.acquire(until: .now.advanced(by: .seconds(3600))) == .admitted)
        let a = try await server.checkXML(sample)
        #expect(a.status == 503)
        #expect(a.headers[.retryAfter] != nil)
        #expect(a.json?["type"] as? String == "urn:esfcheck:problem:busy")
        server.service.gate.release()
        #expect(try await server.checkXML(sample).status == 406)
        #expect(server.leftNothing)
    }

    @Test("a check that waits past the time limit is 503 (timeout), and its folder is removed")
    func timeout() async throws {
        let server = try TestServer(limits: limits(slots: 1, queue: 4, timeoutSeconds: 1))
        #expect(await server.service.gate.acquire(until: .now.advanced(by: .seconds(3600))) == .admitted)
        let a = try await server.checkXML(sample)
        #expect(a.status == 503)
        #expect(a.json?["type"] as? String == "urn:esfcheck:problem:timeout")
        server.service.gate.release()
        #expect(server.leftNothing)
    }

    /// A body that sends its first bytes and then nothing more while its continuation is kept.
    static func stalledBody() -> (RequestBody, AsyncStream<ByteBuffer>.Continuation) {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        continuation.yield(ByteBuffer(string: "<?xml version=\"1.0\"?>\n<operation"))
        return (RequestBody(asyncSequence: stream), continuation)
    }

    @Test("an upload still arriving at the time limit is 503 (timeout), and its folder is removed")
    func slowUpload() async throws {
        let server = try TestServer(limits: limits(timeoutSeconds: 1))
        let started = ContinuousClock.now
        let (body, sender) = Self.stalledBody()
        defer { sender.finish() }
        let a = try await server.send(.post, "/v1/check", headers: [.contentType: "application/xml"], body: body)
        #expect(a.status == 503)
        #expect(a.json?["type"] as? String == "urn:esfcheck:problem:timeout")
        // it waited for the time limit (and not for the body, which never ends)
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(server.service.requestsInFlight == 0)
        #expect(server.leftNothing)
    }

    @Test("uploads in flight take the places of checks: one past slots + queue is 503 (busy) before its body is read")
    func uploadsInFlight() async throws {
        let server = try TestServer(limits: limits(slots: 1, queue: 1, timeoutSeconds: 3600))
        let bodies = (0..<2).map { _ in Self.stalledBody() }
        defer { for (_, sender) in bodies { sender.finish() } }
        let stalled = bodies.map { body, _ in
            Task { try await server.send(.post, "/v1/check", headers: [.contentType: "application/xml"], body: body) }
        }
        try await eventually("two uploads in flight") { server.service.requestsInFlight == 2 }
        // no slot is taken (the uploads have not arrived), yet a third request is turned away
        #expect(server.service.gate.load.running == 0)
        let refused = try await server.checkXML(sample)
        #expect(refused.status == 503)
        #expect(refused.json?["type"] as? String == "urn:esfcheck:problem:busy")
        // the two bodies end where they stopped: each is checked, and is no readable export (422)
        for (_, sender) in bodies { sender.finish() }
        for t in stalled { #expect(try await t.value.status == 422) }
        #expect(server.service.requestsInFlight == 0)
        #expect(try await server.checkXML(sample).status == 406)
        #expect(server.leftNothing)
    }

    @Test("concurrent checks all answer, at most the slots running at once")
    func concurrent() async throws {
        let server = try TestServer(limits: limits(slots: 2, queue: 8, timeoutSeconds: 3600))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await server.checkXML(sample).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 406, count: 6))
        #expect(server.service.gate.load.running == 0)
    }

    @Test("limits out of range are refused with the option's name")
    func problems() {
        var l = ServeLimits()
        #expect(l.problem == nil)
        l.timeoutSeconds = 0
        #expect(l.problem?.contains("--timeout-seconds") == true)
        l = ServeLimits()
        l.maxConcurrentChecks = 0
        #expect(l.problem?.contains("--max-concurrent-checks") == true)
    }
}

@Suite("serve: multipart reader")
struct MultipartTests {
    @Test("parts are found with their file names; a preamble is skipped; quoted names unescaped")
    func parts() throws {
        let body = Data("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".csv\"\r\n\r\none\r\n--XyZ\r\ncontent-disposition: form-data; name=file; filename=c.csv\r\n\r\ntwo\r\nlines\r\n--XyZ--\r\n".utf8)
        let parts = try Multipart.parts(of: body, boundary: "XyZ", maxParts: 5)
        #expect(parts.map(\.filename) == ["a \"b\".csv", "c.csv"])
        #expect(parts.map { String(decoding: body[$0.range], as: UTF8.self) } == ["one", "two\r\nlines"])
        #expect(throws: Problem.self) { try Multipart.parts(of: body, boundary: "XyZ", maxParts: 1) }
    }

    @Test("the boundary comes from the Content-Type and must be 1 to 70 printable characters")
    func boundary() throws {
        #expect(try Multipart.boundary(contentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(throws: Problem.self) { try Multipart.boundary(contentType: "multipart/form-data") }
        #expect(throws: Problem.self) { try Multipart.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) }
    }
}
