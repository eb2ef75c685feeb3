import Foundation
import Testing

/// The upload page from the real binary (the page in a browser: Scripts/test-page.sh, run by CI).
@Suite("esfcheck serve: the upload page at /")
struct UploadPageEndToEndTests {
    @Test("GET / answers the page in the Accept-Language's language, with its Content-Security-Policy")
    func page() throws {
        let server = try RunningServer()
        defer { _ = server.stop() }
        let en = try server.request("GET", "/")
        #expect(en.status == 200)
        let headers = en.headers.lowercased()
        #expect(headers.contains("content-type: text/html; charset=utf-8"))
        #expect(headers.contains("content-security-policy: default-src 'none'; style-src 'sha256-"))
        #expect(en.body.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(en.body.contains("<input type=\"file\" id=\"file\" name=\"file\" multiple"))
        let sl = try server.request("GET", "/", headers: ["Accept-Language": "sl"])
        #expect(sl.status == 200)
        #expect(sl.body.contains("<html lang=\"sl\">") && sl.body.contains(">Preverjanje izvoza ESS</h1>"))
        #expect(try server.request("GET", "/?lang=xx").status == 400)
    }
}
