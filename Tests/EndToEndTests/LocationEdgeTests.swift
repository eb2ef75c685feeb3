import Foundation
import Testing

/// Copies a fixture folder to a new temporary folder; returns the copy.
private func copied(_ fixturePath: String) throws -> URL {
    let dir = try temporaryDirectory().appendingPathComponent("copy")
    try FileManager.default.copyItem(atPath: fixture(fixturePath), toPath: dir.path)
    return dir
}

@Suite("Related locations, layout diagnosis and bundle paths at their edges")
struct LocationEdgeTests {
    @Test("a related location's file is shown as the finding's is: the bundled sample names no build folder")
    func relatedLocationPathsAreDisplayPaths() throws {
        let r = try run(["check", "--deterministic"])
        #expect(r.status == 1)
        // the header names the input; findings and related locations name the file within it
        #expect(r.stdout.contains("\nchecked (bundled) Fixtures/ucne-delavnice/export.xml (xml"))
        #expect(!r.stdout.contains(".build"))
        let related = r.stdout.split(separator: "\n").filter { $0.contains("related: ") }
        #expect(related.count == 2)
        for line in related {
            #expect(line.hasPrefix("    related: export.xml:"), "\(line)")
        }
        // with two inputs, every file is named in full
        let two = try run(["check", "--deterministic", fixture("ucne-delavnice/export.xml"), fixture("clean/export.xml"), "--width", "1000"])
        // (named as given, or relative to the working folder when the fixture lies below it)
        let relatedLines = two.stdout.split(separator: "\n").filter { $0.contains("related: ") }
        #expect(relatedLines.contains { $0.contains("Fixtures/ucne-delavnice/export.xml:61: first recorded") }, "\(two.stdout)")
        #expect(!relatedLines.contains { $0.contains("related: export.xml:") }, "\(two.stdout)")
    }

    @Test("a related location's message escapes invisible characters as the finding's does")
    func relatedLocationsAreEscaped() throws {
        let dir = try copied("ucne-delavnice/csv")
        let file = dir.appendingPathComponent("participants.csv")
        var rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // a second participant whose id holds a right-to-left override, twice: a duplicate id
        let second = try #require(rows.firstIndex { $0.hasPrefix("UD-000002,") })
        let sneaky = rows[second].replacingOccurrences(of: "UD-000002,", with: "UD-\u{202E}000002,")
        rows.insert(sneaky, at: second + 1)
        rows.insert(sneaky, at: second + 1)
        try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        for format in ["text", "json"] {
            let r = try run(["check", dir.path, "--deterministic", "--format", format])
            #expect(r.status == 1)
            #expect(!r.stdout.contains("\u{202E}"), "\(format): a raw U+202E")
            #expect(r.stdout.contains(format == "json" ? "\\\\u{202E}" : "\\u{202E}"), "\(format): the override shown escaped")
        }
    }

    @Test("a CSV file without its header row: the diagnosis does not list the cells of its first row (they may be personal data)")
    func headerlessFileIsNotQuoted() throws {
        let dir = try copied("ucne-delavnice-si")
        let file = dir.appendingPathComponent("udelezenci.csv")
        let data = try Data(contentsOf: file)
        let firstNewline = try #require(data.firstIndex(of: 0x0A))
        try data[(firstNewline + 1)...].write(to: file)
        for format in ["text", "json"] {
            let r = try run(["check", dir.path, "--format", format])
            #expect(r.status == 3)
            let all = r.stdout + r.stderr
            #expect(all.contains("udelezenci.csv"))
            #expect(all.contains("not listed, as the row may be data"))
            #expect(!all.contains("1205972505034"), "\(format): an EMŠO of the first data row")
            #expect(!all.contains("Kovačič"), "\(format): a name of the first data row")
        }
    }

    @Test("a canonical bundle without operation.csv is incomplete, not in another layout")
    func missingRootFileIsIncomplete() throws {
        let dir = try copied("ucne-delavnice/csv")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("operation.csv"))
        let r = try run(["check", dir.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("operation.csv (operation) is missing"))
        #expect(!r.stderr.contains("not a canonical CSV bundle"))
    }

    @Test("operation.csv named from inside its folder reads the bundle there")
    func bundleFileFromInsideItsFolder() throws {
        let dir = try copied("ucne-delavnice/csv")
        let inside = try run(["check", "operation.csv", "--deterministic"], in: dir)
        let outside = try run(["check", dir.path, "--deterministic"])
        #expect(inside.status == 1)
        #expect(inside.stdout.split(separator: "\n").last == outside.stdout.split(separator: "\n").last)
        #expect(inside.stdout.contains("11 findings"))
    }
}
