@testable import ESFEngine
import ESFServe
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@Suite("serve: POST /v1/check")
struct CheckRouteTests {
    let sample = try! contents(fixture("ucne-delavnice/export.xml"))
    let clean = try! contents(fixture("clean/export.xml"))

    @Test("the config's waiver file is read once at start-up: a check uses its waivers and hash though the file changes; a broken one stops the start")
    func waiversReadOnce() async throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let waiverFile = folder + "/waivers.yaml"
        let waivers = """
            waivers:
              - rule: UD-TR-001
                record: UD-000013/training
                reason: "training ended a day late: the provider's closure"
                approved_by: "Ana Kovač, managing authority"
                expires: 2999-12-31

            """
        try Data(waivers.utf8).write(to: URL(fileURLWithPath: waiverFile))
        try Data("waivers: waivers.yaml\n".utf8).write(to: URL(fileURLWithPath: folder + "/esfcheck.yaml"))
        let packs = try LoadedPacks(config: Checker.loadConfig(path: folder + "/esfcheck.yaml"))
        let server = try TestServer(packs: packs)
        let started = Checker.sha256(file: waiverFile)
        // the file changes (here: breaks) after the start; the server's checks do not see it
        try Data("waivers: [ broken\n".utf8).write(to: URL(fileURLWithPath: waiverFile))
        let answer = try await server.checkXML(sample)
        #expect(answer.status == 406)
        let suppression = try #require(answer.json?["suppression"] as? [String: Any])
        #expect(suppression["waived"] as? Int == 1)
        let configuration = try #require(answer.json?["configuration"] as? [String: Any])
        let hash = try #require((configuration["waivers"] as? [String: Any])?["sha256"] as? String)
        #expect(hash == started)
        #expect(!answer.body.contains(folder))
        // a broken waiver file stops the start, at its line
        #expect(throws: CheckError.self) { try LoadedPacks(config: Checker.loadConfig(path: folder + "/esfcheck.yaml")) }
    }

    @Test("an export with a reject verdict is 406 with the JSON report; an accepted one is 200")
    func verdicts() async throws {
        let server = try TestServer()
        let rejected = try await server.checkXML(sample)
        #expect(rejected.status == 406)
        #expect(rejected.contentType == "application/json")
        #expect(rejected.json?["verdict"] as? String == "reject")
        #expect(rejected.headers[HTTPField.Name("Esfcheck-Verdict")!] == "reject")
        let accepted = try await server.checkXML(clean)
        #expect(accepted.status == 200)
        #expect(["accept", "review"].contains(accepted.json?["verdict"] as? String ?? ""))
        // the report names the upload, never the server's temporary folder
        let inputs = try #require(rejected.json?["inputs"] as? [[String: Any]])
        #expect(inputs.first?["path"] as? String == "export.xml")
        #expect(!rejected.body.contains("esfcheck-serve-"))
        #expect(!rejected.body.contains(server.service.temporaryRoot))
    }

    @Test("a rule that cannot be evaluated (a sum out of range) is ESFCHECK-RT-001, whose help names the bundled rule file, not the server's path")
    func serverPathsScrubbed() async throws {
        let server = try TestServer()
        var xml = String(decoding: sample, as: UTF8.self)
        for line in ["eligible=\"1846.20\"", "eligible=\"1250.00\""] {
            #expect(xml.contains(line))
            xml = xml.replacingOccurrences(of: line, with: "eligible=\"999999999999999999999999999999999999.99\"")
        }
        let a = try await server.checkXML(Data(xml.utf8))
        #expect(a.status == 406)
        #expect(a.body.contains("ESFCHECK-RT-001"))
        #expect(a.body.contains("Rules/esf-2014-2020/co-financing.yaml:"), "\(a.body.prefix(2000))")
        #expect(!a.body.contains(packageRoot.path))
    }

    @Test("fail-on=never accepts the sample (200); pack= chooses the packs; unknown values are 400")
    func options() async throws {
        let server = try TestServer()
        let never = try await server.checkXML(sample, query: "?fail-on=never")
        #expect(never.status == 200)
        let packs = try await server.checkXML(sample, query: "?pack=esf-2014-2020&fail-on=never")
        #expect((packs.json?["packs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["esf-2014-2020"])
        for query in ["?fail-on=sometimes", "?pack=no-such-pack", "?lang=fr", "?verbose=true", "?fail-on=error&fail-on=never", "?pack=%ZZ"] {
            let a = try await server.checkXML(sample, query: query)
            #expect(a.status == 400, "\(query)")
            #expect(a.contentType == "application/problem+json", "\(query)")
        }
    }

    @Test("Accept chooses the format: SARIF, HTML, CSV; JSON by default and for an unsupported type")
    func formats() async throws {
        let server = try TestServer()
        let cases: [(String?, String)] = [
            ("application/sarif+json", "application/sarif+json"), ("text/html", "text/html; charset=utf-8"),
            ("text/csv", "text/csv; charset=utf-8"), (nil, "application/json"), ("image/png", "application/json"),
            ("text/html;q=0.5, application/sarif+json", "application/sarif+json"), ("*/*", "application/json"),
        ]
        for (accept, type) in cases {
            var headers: HTTPFields = [:]
            if let accept { headers[.accept] = accept }
            let a = try await server.checkXML(sample, query: "?fail-on=never", headers: headers)
            #expect(a.status == 200)
            #expect(a.contentType == type, "\(accept ?? "no Accept")")
            #expect(!a.body.contains("esfcheck-serve-"))
        }
        let sarif = try await server.checkXML(sample, headers: [.accept: "application/sarif+json"])
        #expect(sarif.json?["version"] as? String == "2.1.0")
        #expect(sarif.body.contains("\"uri\" : \"export.xml\"") || sarif.body.contains("\"uri\":\"export.xml\""))
    }

    @Test("the report's language: lang= first, else Accept-Language")
    func language() async throws {
        let server = try TestServer()
        let sl = try await server.checkXML(sample, headers: [.acceptLanguage: "sl"])
        #expect(sl.json?["language"] as? String == "sl")
        #expect(sl.headers[.contentLanguage] == "sl")
        let en = try await server.checkXML(sample, query: "?lang=en", headers: [.acceptLanguage: "sl"])
        #expect(en.json?["language"] as? String == nil || en.json?["language"] as? String == "en")
        #expect(en.headers[.contentLanguage] == "en")
    }

    @Test("personal data is masked in the report, as in the CLI")
    func masked() async throws {
        let server = try TestServer()
        let a = try await server.checkXML(sample)
        let xml = String(decoding: sample, as: UTF8.self)
        // every EMŠO of the export (13 digits in an emso attribute or element) is absent from the report
        let emso = try Regex("[0-9]{13}")
        let numbers = Set(xml.matches(of: emso).map { String(xml[$0.range]) })
        #expect(!numbers.isEmpty)
        for n in numbers { #expect(!a.body.contains(n), "\(n)") }
    }

    @Test("malformed XML is 422 with the upload's name and the line; no server path")
    func malformed() async throws {
        let server = try TestServer()
        let xml = "<operation xmlns=\"urn:esfcheck:export:1\" id=\"X\" period=\"2014-2020\">\n<participants>\n<participant id=\"A\""
        let a = try await server.checkXML(Data(xml.utf8), query: "?pack=esf-2014-2020")
        #expect(a.status == 422)
        #expect(a.contentType == "application/problem+json")
        let d = try #require(a.diagnostics.first)
        #expect(d["file"] as? String == "export.xml")
        #expect((d["line"] as? Int ?? 0) >= 1)
        #expect(!a.body.contains(server.service.temporaryRoot))
        #expect(!a.body.contains("esfcheck-serve-"))
    }

    @Test("an external entity is 422 and nothing of the named file leaks", arguments: ["xxe", "laughs", "notxml"])
    func hostileXML(kind: String) async throws {
        let server = try TestServer()
        let secret = try makeTemporaryFolder() + "/secret.txt"
        try "TOP-SECRET-7f3a9c".write(toFile: secret, atomically: true, encoding: .utf8)
        let doc: String
        switch kind {
        case "xxe":
            doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation [<!ENTITY x SYSTEM \"file://\(secret)\">]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&x;\" period=\"2014-2020\"/>\n"
        case "laughs":
            var entities = "<!ENTITY l0 \"lol\">"
            for i in 1...9 { entities += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
            doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation [\(entities)]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&l9;\" period=\"2014-2020\"/>\n"
        default:
            doc = "id,name\n1,2\n"
        }
        let a = try await server.checkXML(Data(doc.utf8), query: "?pack=esf-2014-2020")
        #expect(a.status == 422, "\(kind): \(a.body)")
        #expect(!a.body.contains("TOP-SECRET"))
        #expect(!a.body.contains("lollollol"))
        #expect(a.diagnostics.first?["file"] as? String == "export.xml")
    }

    @Test("a multipart upload of one XML file is checked under its own name")
    func multipartXML() async throws {
        let server = try TestServer()
        let a = try await server.checkFiles([("ucne.xml", sample)])
        #expect(a.status == 406)
        #expect((a.json?["inputs"] as? [[String: Any]])?.first?["path"] as? String == "ucne.xml")
    }

    @Test("a multipart upload of the CSV files of a bundle is checked as the bundle")
    func bundle() async throws {
        let server = try TestServer()
        let a = try await server.checkFiles(try bundleFiles("ucne-delavnice/csv"))
        #expect(a.status == 406)
        let input = try #require((a.json?["inputs"] as? [[String: Any]])?.first)
        #expect(input["format"] as? String == "csv")
        #expect(input["path"] as? String == "bundle")
        #expect(!a.body.contains("esfcheck-serve-"))
        // the same findings as the XML form of the sample
        let xml = try await server.checkXML(sample)
        #expect((a.json?["counts"] as? [String: Int]) == (xml.json?["counts"] as? [String: Int]))
        // a bundle missing a file is unreadable input
        let partial = try await server.checkFiles(try bundleFiles("ucne-delavnice/csv").filter { $0.0 != "operation.csv" })
        #expect(partial.status == 422, "\(partial.body)")
    }

    @Test("hostile or malformed uploads are 400", arguments: [
        "../export.xml", "a/b.xml", "..", ".hidden.xml", "dir\\x.xml", "", "a\u{1}.xml", "export\u{202E}lmx.csv",
    ])
    func hostileNames(name: String) async throws {
        let server = try TestServer()
        let a = try await server.checkFiles([(name, Data("<operation/>".utf8))])
        #expect(a.status == 400, "\(name)")
        #expect(a.contentType == "application/problem+json")
        let left = try FileManager.default.contentsOfDirectory(atPath: server.service.temporaryRoot)
        #expect(left.isEmpty)
    }

    @Test("duplicate names, mixed uploads, wrong field, broken multipart: 400")
    func badMultipart() async throws {
        let server = try TestServer()
        let csv = Data("a,b\n".utf8)
        #expect(try await server.checkFiles([("operation.csv", csv), ("OPERATION.csv", csv)]).status == 400)
        #expect(try await server.checkFiles([("operation.csv", csv), ("export.xml", csv)]).status == 400)
        #expect(try await server.checkFiles([("a.xml", csv), ("b.xml", csv)]).status == 400)
        #expect(try await server.checkFiles([("export.xml", csv)], field: "upload").status == 400)
        let boundary = "b0undary"
        let truncated = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xml\"\r\n\r\n<operation/>"
        for (body, type) in [(truncated, "multipart/form-data; boundary=\(boundary)"), ("no parts at all", "multipart/form-data; boundary=\(boundary)"),
                             ("--x--\r\n", "multipart/form-data"), ("--\(boundary)--\r\n", "multipart/form-data; boundary=\(boundary)")] {
            let a = try await server.send(.post, "/v1/check", headers: [.contentType: type], body: Data(body.utf8))
            #expect(a.status == 400, "\(body)")
        }
    }

    @Test("an unsupported or missing Content-Type is 415")
    func mediaType() async throws {
        let server = try TestServer()
        #expect(try await server.checkXML(sample, headers: [.contentType: "application/json"]).status == 415)
        #expect(try await server.send(.post, "/v1/check", body: sample).status == 415)
    }

    @Test("a body over the limit is 413, by its Content-Length or while it streams")
    func tooLarge() async throws {
        var limits = testLimits
        limits.maxUploadBytes = 1000
        let server = try TestServer(limits: limits)
        let a = try await server.checkXML(sample)
        #expect(a.status == 413)
        #expect(a.contentType == "application/problem+json")
        // no Content-Length: the limit holds while the body is read
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/check",
                                                headerFields: [.contentType: "application/xml"]),
                              body: RequestBody(buffer: ByteBuffer(bytes: sample)))
        let response = try await server.responder.respond(to: request, context: ServeContext(logger: .init(label: "t")))
        #expect(response.status.code == 413)
        #expect(server.leftNothing)
    }

    @Test("the upload's private folder is removed after every answer")
    func temporaryFolder() async throws {
        let root = try makeTemporaryFolder()
        let server = try TestServer(temporaryRoot: root)
        _ = try await server.checkXML(sample)
        _ = try await server.checkFiles(try bundleFiles("clean/csv"))
        _ = try await server.checkXML(Data("<broken".utf8), query: "?pack=esf-2014-2020")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == [])
    }

    @Test("the JSON report is the CLI's for the same export, but for the start time")
    func sameAsCLI() async throws {
        let server = try TestServer()
        let a = try await server.checkXML(sample)
        let golden = try String(contentsOfFile: fixture("ucne-delavnice/golden/xml.json"), encoding: .utf8)
        func normalised(_ text: String) -> String {
            text.split(separator: "\n").filter { !$0.contains("\"startedAt\"") }.joined(separator: "\n")
                .replacingOccurrences(of: "Fixtures/ucne-delavnice/export.xml", with: "export.xml")
        }
        #expect(normalised(a.body) == normalised(golden))
    }
}
