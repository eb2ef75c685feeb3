import ESFReports
import ESFServe
import Foundation
import Hummingbird
import Testing

@Suite("serve: the upload page at /")
struct UploadPageTests {
    @Test("GET / is one HTML page with a strict Content-Security-Policy that allows its own inline style and script")
    func page() async throws {
        let server = try TestServer()
        let a = try await server.get("/")
        #expect(a.status == 200)
        #expect(a.contentType == "text/html; charset=utf-8")
        #expect(a.headers[.xContentTypeOptions] == "nosniff")
        let csp = try #require(a.headers[.contentSecurityPolicy])
        #expect(csp.hasPrefix("default-src 'none'; "))
        #expect(csp.contains("connect-src 'self'") && csp.contains("form-action 'self'") && csp.contains("frame-ancestors 'none'"))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"))
        // the inline style and script are exactly those the policy names by their SHA-256
        let style = try #require(between(a.body, "<style>", "</style>"))
        let script = try #require(between(a.body, "<script>", "</script>"))
        #expect(csp.contains("style-src " + sha256Source(style)))
        #expect(csp.contains(sha256Source(script)))
        // the report's own style and script are allowed too (its <iframe srcdoc> inherits the page's policy)
        let report = try await server.checkFiles([("export.xml", contents(fixture("ucne-delavnice/export.xml")))], headers: [.accept: "text/html"])
        #expect(report.status == 406)
        let reportPolicy = try #require(between(report.body, "http-equiv=\"Content-Security-Policy\" content=\"", "\""))
        for source in reportPolicy.split(separator: " ") where source.hasPrefix("'sha256-") {
            #expect(csp.contains(String(source.trimmingCharacters(in: CharacterSet(charactersIn: ";")))), "\(source)")
        }
    }

    @Test("the page loads nothing from anywhere: no URL, no external reference, exactly one style and one script")
    func noExternalAssets() async throws {
        let server = try TestServer()
        let body = try await server.get("/").body
        // (a protocol-relative URL starts a quoted value; the script's own comments are `// …`)
        for needle in ["http:", "https:", "\"//", "'//", " src=", "<link", "@import", "url("] {
            #expect(!body.contains(needle), "\(needle)")
        }
        #expect(body.components(separatedBy: "<script").count == 2)
        #expect(body.components(separatedBy: "<style").count == 2)
        // a real file input (several files), labelled, a drop zone, a live status, the sandboxed report frame
        #expect(body.contains("<input type=\"file\" id=\"file\" name=\"file\" multiple"))
        #expect(body.contains("<label for=\"file\""))
        #expect(body.contains("id=\"drop\""))
        #expect(body.contains("role=\"status\" aria-live=\"polite\""))
        #expect(body.contains("<iframe id=\"report\" sandbox=\"allow-scripts\""))
        // without JavaScript the form posts the files to the check route
        #expect(body.contains("action=\"/v1/check?lang=en\" enctype=\"multipart/form-data\""))
    }

    @Test("the page's language comes from ?lang, else Accept-Language, else English; a bad lang is 400")
    func languages() async throws {
        let server = try TestServer()
        let en = try await server.get("/")
        #expect(en.body.contains("<html lang=\"en\">"))
        #expect(en.body.contains(">Check an ESF export</h1>"))
        #expect(en.headers[.contentLanguage] == "en")
        let sl = try await server.get("/", headers: [.acceptLanguage: "sl-SI,sl;q=0.9,en;q=0.5"])
        #expect(sl.status == 200)
        #expect(sl.body.contains("<html lang=\"sl\">"))
        #expect(sl.body.contains(">Preverjanje izvoza ESS</h1>"))
        #expect(sl.body.contains("<option value=\"sl\" lang=\"sl\" selected>"))
        #expect(sl.body.contains("action=\"/v1/check?lang=sl\""))
        #expect(sl.headers[.contentLanguage] == "sl")
        #expect(sl.headers[.vary] == "Accept-Language")
        // both languages' texts are in the page, for its switch; the policy is the same in both
        #expect(en.body.contains("Preverjanje izvoza ESS") && sl.body.contains("Check an ESF export"))
        #expect(en.headers[.contentSecurityPolicy] == sl.headers[.contentSecurityPolicy])
        let asked = try await server.get("/?lang=sl", headers: [.acceptLanguage: "en"])
        #expect(asked.headers[.contentLanguage] == "sl")
        #expect(try await server.get("/?lang=de").status == 400)
        #expect(try await server.get("/?verbose=1").status == 400)
    }

    @Test("another method on / is 405 with Allow")
    func methods() async throws {
        let server = try TestServer()
        let a = try await server.send(.post, "/", headers: [.contentType: "application/xml"], body: Data("<x/>".utf8))
        #expect(a.status == 405)
        #expect(a.headers[.allow] == "GET")
        #expect(a.contentType == "application/problem+json")
    }
}

/// The CSP source of an inline element's content as it stands between its tags (newlines included).
private func sha256Source(_ content: String) -> String {
    HTMLReporter.inlineHash(String(content.dropFirst().dropLast()))
}

/// The text between two markers (the first occurrence).
private func between(_ text: String, _ start: String, _ end: String) -> String? {
    guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return nil }
    return String(text[a.upperBound..<b.lowerBound])
}
