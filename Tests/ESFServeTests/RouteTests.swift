import ESFServe
import Foundation
import Hummingbird
import Testing

@Suite("serve: the read-only routes")
struct InfoRouteTests {
    @Test("GET /health answers ok with the packs loaded")
    func health() async throws {
        let server = try TestServer()
        let a = try await server.get("/health")
        #expect(a.status == 200)
        #expect(a.contentType == "application/json")
        #expect(a.json?["status"] as? String == "ok")
        #expect((a.json?["packs"] as? Int ?? 0) >= 4)
        #expect(try await server.get("/health?verbose=1").status == 400)
    }

    @Test("GET /v1/packs lists every pack with its version, hash and rule count; titles in the asked language")
    func packs() async throws {
        let server = try TestServer()
        let a = try await server.get("/v1/packs")
        #expect(a.status == 200)
        let packs = try #require(a.json?["packs"] as? [[String: Any]])
        let ids = packs.compactMap { $0["id"] as? String }
        #expect(ids.contains("esf-2014-2020") && ids.contains("ucne-delavnice"))
        for p in packs {
            #expect((p["sha256"] as? String)?.count == 64)
            #expect((p["rules"] as? Int ?? 0) > 0)
        }
        let en = packs.first { $0["id"] as? String == "esf-2014-2020" }?["title"] as? String
        let sl = try await server.get("/v1/packs?lang=sl")
        let slTitle = (sl.json?["packs"] as? [[String: Any]])?.first { $0["id"] as? String == "esf-2014-2020" }?["title"] as? String
        #expect(sl.headers[.contentLanguage] == "sl")
        #expect(en != nil && slTitle != nil && en != slTitle)
        #expect(try await server.get("/v1/packs?lang=de").status == 400)
    }

    @Test("GET /v1/rules/{id} shows a rule in the request's language; an unknown id is 404")
    func rule() async throws {
        let server = try TestServer()
        let a = try await server.get("/v1/rules/ud-em-003")
        #expect(a.status == 200)
        #expect(a.json?["id"] as? String == "UD-EM-003")
        for key in ["title", "severity", "message", "assertion", "pack"] { #expect(a.json?[key] is String, "\(key)") }
        #expect(a.json?["legalBasis"] is [String])
        let sl = try await server.get("/v1/rules/UD-EM-003", headers: [.acceptLanguage: "sl-SI, en;q=0.5"])
        #expect(sl.headers[.contentLanguage] == "sl")
        #expect(sl.json?["title"] as? String != a.json?["title"] as? String)
        let missing = try await server.get("/v1/rules/NO-SUCH-1")
        #expect(missing.status == 404)
        #expect(missing.contentType == "application/problem+json")
        #expect(missing.json?["status"] as? Int == 404)
    }

    @Test("an unknown route is a 404 problem document")
    func unknownRoute() async throws {
        let server = try TestServer()
        for path in ["/index.html", "/v2/check", "/v1/packs/extra"] {
            let a = try await server.get(path)
            #expect(a.status == 404, "\(path)")
            #expect(a.contentType == "application/problem+json")
        }
    }

    @Test("another method on a route's path is 405 with Allow, whatever the method")
    func methodNotAllowed() async throws {
        let server = try TestServer()
        let cases: [(HTTPRequest.Method, String, String)] = [
            (.get, "/v1/check", "POST"), (.delete, "/health", "GET"), (.put, "/v1/rules/UD-EM-003", "GET"),
            (HTTPRequest.Method("QUERY") ?? .trace, "/v1/packs", "GET"),
        ]
        for (method, path, allow) in cases {
            let a = try await server.send(method, path)
            #expect(a.status == 405, "\(method) \(path)")
            #expect(a.headers[.allow] == allow)
            #expect(a.contentType == "application/problem+json")
        }
    }

    @Test("every request is logged in one line, without its query")
    func log() async throws {
        let server = try TestServer()
        _ = try await server.get("/v1/rules/UD-EM-003?lang=sl")
        let lines = server.logged.value.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("GET /v1/rules/UD-EM-003 200") == true)
        #expect(lines.first?.contains("lang") == false)
    }
}
