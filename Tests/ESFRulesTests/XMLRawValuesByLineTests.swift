#if canImport(Glibc)
import Glibc
#endif
import ESFCore
@testable import ESFInputs
import ESFRules
import Foundation
import Testing

private let sampleExport = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/ucne-delavnice/export.xml").path

/// A file in a fresh temporary folder.
private func written(_ name: String, _ bytes: [UInt8]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-rawline-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Every field of every record of an XML export, asked for as findings ask for them.
private func requestsForEveryField(_ source: XMLRecordSource, _ model: DataModel) throws -> [RawValueRequest] {
    var requests: [RawValueRequest] = []
    try source.read(entityOrder: []) { event in
        guard case .record(let r) = event else { return }
        for (f, field) in model.entities[r.entity].fields.enumerated() {
            requests.append(RawValueRequest(entity: r.entity, field: f, location: r.location(ofField: f, named: field.name)))
        }
    }
    return requests
}

@Suite("Raw values of XML findings found by line")
struct XMLRawValuesByLineTests {
    /// The sample export, and variants that the line scan must either answer exactly as the full
    /// pass does or leave to it.
    static func variants() throws -> [(String, [UInt8])] {
        let sample = try String(contentsOfFile: sampleExport, encoding: .utf8)
        var tricky = sample
        func replaceFirst(_ old: String, _ new: String) {
            guard let r = tricky.range(of: old) else { Issue.record("not in the sample: \(old)"); return }
            tricky.replaceSubrange(r, with: new)
        }
        // a start tag over three lines
        replaceFirst("<training provider_id=\"P003\"", "<training\n        provider_id=\"P003\"\n       ")
        // two records on one line, and one record starting where another ends
        replaceFirst("monthly_subsidy=\"740.00\"/>\n      <follow_up", "monthly_subsidy=\"740.00\"/><follow_up")
        replaceFirst("</participant>\n    <participant id=\"UD-000005\"", "</participant><participant id=\"UD-000005\"")
        // a comment holding a look-alike record, on its own line and before a record on its line
        replaceFirst("    <participant id=\"UD-000003\"", "    <!-- <participant id=\"X\"/> -->\n    <participant id=\"UD-000003\"")
        replaceFirst("    <participant id=\"UD-000004\"", "    <!-- c --><participant id=\"UD-000004\"")
        // references, a tab and single quotes in attribute values
        replaceFirst("name=\"Zaposlitveni center Šentjur d.o.o.\"", "name='Zaposlitveni &#x41;&#65; center\tŠentjur &lt;d.o.o.&gt; &apos;x&apos; \"q\"'")
        replaceFirst("name=\"Invalidsko podjetje Žarek d.o.o.\"", "name=\"Invalidsko&#10;podjetje\r\n Žarek\"")
        let minified = sample.replacingOccurrences(of: ">\n", with: ">").replacingOccurrences(of: "  <", with: "<")
        return [
            ("sample", Array(sample.utf8)),
            ("CR LF", Array(sample.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
            ("byte order mark", [0xEF, 0xBB, 0xBF] + Array(sample.utf8)),
            ("tricky", Array(tricky.utf8)),
            ("one line", Array(minified.utf8)),
        ]
    }

    @Test("every field of every record: the same raw text and source field as the full pass")
    func sameAsFullPass() throws {
        let model = try esfOperationModel()
        for (name, bytes) in try Self.variants() {
            let path = try written("export.xml", bytes)
            let read = XMLRecordSource(path: path, model: model, schema: .none)
            let requests = try requestsForEveryField(read, model)
            #expect(requests.count > 1_000, "\(name)")
            #expect(read.linesExact, "\(name)")
            // a source that has not read the file knows no lines for certain: the full pass answers all
            let full = XMLRecordSource(path: path, model: model, schema: .none)
            #expect(!full.linesExact)
            let byLine = read.rawValues(requests)
            let expected = full.rawValues(requests)
            #expect(byLine.count == expected.count)
            for (k, (a, b)) in zip(byLine, expected).enumerated() where a != b {
                Issue.record("\(name): \(requests[k].location.xpath ?? "?") line \(requests[k].location.line ?? 0): \(String(describing: a)) != \(String(describing: b))")
                break
            }
            #expect(expected.contains { $0?.text != nil }, "\(name)")
        }
    }

    @Test("a profile's layout (si-legacy-xml): attributes by line, child elements by XPath, the same answers")
    func profiled() throws {
        let model = try esfOperationModel()
        let path = URL(fileURLWithPath: sampleExport).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ucne-delavnice-si-xml/export.xml").path
        let profile = try shippedProfile("si-legacy-xml", for: model)
        let read = XMLRecordSource(path: path, model: model, schema: .none, profile: profile)
        let requests = try requestsForEveryField(read, model)
        #expect(read.linesExact)
        let expected = XMLRecordSource(path: path, model: model, schema: .none, profile: profile).rawValues(requests)
        #expect(read.rawValues(requests) == expected)
        #expect(expected.contains { $0?.text != nil && $0?.sourceField?.hasPrefix("@") == true })
        #expect(expected.contains { $0?.text != nil && $0?.sourceField?.hasPrefix("@") == false })
    }

    @Test("the sample's records are all found by their lines")
    func sampleFoundByLine() throws {
        let model = try esfOperationModel()
        let read = XMLRecordSource(path: sampleExport, model: model, schema: .none)
        let requests = try requestsForEveryField(read, model)
        var wanted: [Int: [UInt8]] = [:]
        for r in requests {
            guard let line = r.location.line, let xpath = r.location.xpath else { continue }
            let steps = xpath.split(separator: "/")
            wanted[line] = Array(steps[steps.count - 2].prefix { $0 != "[" }.utf8)
        }
        let tags = try #require(XMLStartTags.find(path: sampleExport, wanted: wanted))
        #expect(wanted.count > 200)
        #expect(tags.count == wanted.count)
        #expect(tags[2].map { String(decoding: $0.prefix(22), as: UTF8.self) } == "<operation xmlns=\"urn:")
    }

    @Test("a line is answered only when one start tag of the name is on it and the line starts outside a tag")
    func scan() {
        func tag(_ text: String, _ name: String = "p") -> String? {
            guard case .found(let r) = XMLStartTags.scan(Array(text.utf8), named: Array(name.utf8), complete: true) else { return nil }
            return String(decoding: Array(text.utf8)[r], as: UTF8.self)
        }
        #expect(tag("  <p a=\"1\"/>\n<p a=\"2\"/>") == "<p a=\"1\"/>")
        #expect(tag("<q><p a='x>y'>") == "<p a='x>y'>")
        #expect(tag("</q><e:p a=\"1\">") == "<e:p a=\"1\">")
        #expect(tag("<p a=\"1\"\n   b=\"2\"/>") == "<p a=\"1\"\n   b=\"2\"/>")
        // two on the line, none, a comment, a line inside a tag, text
        #expect(tag("<p a=\"1\"/><p a=\"2\"/>") == nil)
        #expect(tag("<q a=\"1\"/>") == nil)
        #expect(tag("<!-- x --><p a=\"1\"/>") == nil)
        #expect(tag("   b=\"2\"/><p a=\"1\"/>") == nil)
        #expect(tag("   /><p a=\"1\"/>") == nil)
        #expect(tag("   ><p a=\"1\"/>") == nil)
        #expect(tag("text<p a=\"1\"/>") == nil)
        #expect(tag("<pp a=\"1\"/>") == nil)
        // the bytes end before the line or the tag does
        #expect(XMLStartTags.scan(Array("<p a=\"1".utf8), named: Array("p".utf8), complete: false) == .needMore)
        #expect(XMLStartTags.scan(Array("<p a=\"1\"/>".utf8), named: Array("p".utf8), complete: false) == .needMore)
        #expect(XMLStartTags.scan(Array("<p a=\"1".utf8), named: Array("p".utf8), complete: true) == .none)
    }

    @Test("attribute values as libxml2 gives them; what it cannot read is left to the full pass")
    func attributes() {
        func value(_ tag: String, _ name: String) -> XMLStartTags.Attribute {
            XMLStartTags.attribute(Array(name.utf8), in: Array(tag.utf8))
        }
        let tag = "<p a=\"x &amp; &lt;y&gt; &#x41;&#66;\" b = 'say \"hi\"'\n c=\"1\t2\r\n3\r4&#10;5\" e:d=\"n\"/>"
        #expect(value(tag, "a") == .value(Array("x & <y> AB".utf8)))
        #expect(value(tag, "b") == .value(Array("say \"hi\"".utf8)))
        #expect(value(tag, "c") == .value(Array("1 2 3 4\n5".utf8)))
        #expect(value(tag, "d") == .absent)
        #expect(value(tag, "e:d") == .value(Array("n".utf8)))
        #expect(value("<p a=\"&nbsp;\"/>", "a") == .unsupported)
        #expect(value("<p a=\"&#xD800;\"/>", "a") == .unsupported)
        #expect(value("<p a=\"&amp\"/>", "a") == .unsupported)
        #expect(value("<p a=\"č\"/>", "a") == .value(Array("č".utf8)))
    }

    @Test("only UTF-8 files are read by line, and no line is counted past a lone carriage return")
    func encodingsAndLines() throws {
        func utf8(_ text: [UInt8]) throws -> Bool {
            let path = try written("e.xml", text)
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            return XMLStartTags.isUTF8(fd)
        }
        #expect(try utf8(Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>".utf8)))
        #expect(try utf8(Array("<?xml version='1.0'?><a/>".utf8)))
        #expect(try utf8(Array("<a/>".utf8)))
        #expect(try !utf8(Array("<?xml version=\"1.0\" encoding=\"windows-1250\"?><a/>".utf8)))
        #expect(try !utf8(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><a/>".utf8)))
        #expect(try !utf8([0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00]))
        #expect(try !utf8([0x3C, 0x00, 0x61, 0x00]))

        let crlf = try written("crlf.xml", Array("<a>\r\n<p x=\"1\"/>\r\n<p x=\"2\"/>\r\n</a>".utf8))
        #expect(XMLStartTags.find(path: crlf, wanted: [3: Array("p".utf8)]) == [3: Array("<p x=\"2\"/>".utf8)])
        let lone = try written("cr.xml", Array("<a>\r<p x=\"1\"/>\n<p x=\"2\"/>\n</a>".utf8))
        #expect(XMLStartTags.find(path: lone, wanted: [2: Array("p".utf8)]) == nil)
        // not a regular file: refused before opening, so nothing blocks
        let fifo = (try written("x", []) as NSString).deletingLastPathComponent + "/fifo.xml"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(XMLStartTags.find(path: fifo, wanted: [1: Array("p".utf8)]) == nil)
        let long = try written("long.xml", Array(("<a>\n<p x=\"" + String(repeating: "y", count: 100_000) + "\"/>\n</a>").utf8))
        #expect(XMLStartTags.find(path: long, wanted: [2: Array("p".utf8)])?[2]?.count == 100_009)
    }
}
