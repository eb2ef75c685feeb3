import Crypto
import ESFCore
import ESFInputs
import Foundation
import Testing

/// The readers hash each input as they read it (issue 8, item 5): the digest must be the
/// file's SHA-256, the bytes as stored (not their decoding), whatever the chunking.
@Suite("Input digests: hashed in the reading pass")
struct InputDigestTests {
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    static let utf8: [UInt8] = Array("\u{FEFF}id,name\r\nP1,\"Ana \"\"Š\"\"\nNovak\"\r\nP2,Žiga\r\n".utf8)
    /// Windows-1250: Š is 0x8A, ž 0x9E.
    static let cp1250: [UInt8] = Array("id;name\r\nP1;".utf8) + [0x8A, 0x61, 0x9E, 0x61] + Array("\r\nP2;Ana\r\n".utf8)

    @Test("a UTF-8 file read to its end: its SHA-256, for chunks of 1, 3, 7 bytes and 1 MiB", arguments: [1, 3, 7, 1 << 20])
    func utf8File(chunk: Int) throws {
        let dir = try TempDir()
        let path = try dir.write("a.csv", bytes: Self.utf8)
        var reader = try CSVReader(path: path, chunkSize: chunk)
        var rows = 0
        while try reader.next() { rows += 1 }
        #expect(rows == 3)
        #expect(reader.sha256() == Self.hex(Self.utf8))
    }

    @Test("a Windows-1250 file, detected (read twice) and decoded: the hash is of its own bytes, each once", arguments: [1, 4, 1 << 20])
    func codePageFile(chunk: Int) throws {
        let dir = try TempDir()
        let path = try dir.write("a.csv", bytes: Self.cp1250)
        var reader = try CSVReader(path: path, dialect: CSVDialect(delimiter: UInt8(ascii: ";")), encoding: .auto, chunkSize: chunk)
        #expect(reader.encoding == .windows1250)
        var names: [String] = []
        while try reader.next() { names.append(reader.strings[1]) }
        #expect(names == ["name", "Šaža", "Ana"])
        #expect(reader.sha256() == Self.hex(Self.cp1250))
    }

    @Test("a reader stopped after its first row still gives the whole file's hash")
    func stoppedEarly() throws {
        let dir = try TempDir()
        let big = Array(repeating: Self.utf8.dropFirst(3), count: 2000).flatMap { $0 }
        let path = try dir.write("a.csv", bytes: big)
        var reader = try CSVReader(path: path, chunkSize: 4096)
        #expect(try reader.next())
        #expect(reader.sha256() == Self.hex(big))
        var memory = CSVReader(bytes: big, chunkSize: 4096)
        #expect(try memory.next())
        #expect(memory.sha256() == Self.hex(big))
    }

    @Test("a reader that does not hash (a second read, for a few cells) gives no hash rather than a wrong one")
    func notHashing() throws {
        let dir = try TempDir()
        let path = try dir.write("a.csv", bytes: Array(Self.utf8))
        var reader = try CSVReader(path: path, chunkSize: 4)
        reader.hashing = false
        while try reader.next() {}
        #expect(reader.sha256() == nil)
        var stopped = CSVReader(bytes: Array(Self.utf8), chunkSize: 4)
        stopped.hashing = false
        #expect(try stopped.next())
        #expect(stopped.sha256() == nil)
    }

    @Test("an empty file: the hash of no bytes")
    func emptyFile() throws {
        let dir = try TempDir()
        let path = try dir.write("a.csv", bytes: [])
        var reader = try CSVReader(path: path)
        #expect(try !reader.next())
        #expect(reader.sha256() == Self.hex([]))
    }

    @Test("an XML export, with and without XSD validation: the file's hash, from the parser's own reads")
    func xml() throws {
        let dir = try TempDir()
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n  <participants>\n    <participant id=\"P1\"/>\n  </participants>\n</operation>\n<!-- trailing comment -->\n"
        let path = try dir.write("export.xml", text)
        for schema in [XMLSchemaOption.none, .canonical] {
            let source = XMLRecordSource(path: path, model: TestModel.model, schema: schema)
            #expect(source.sha256(of: path) == nil)
            _ = try collect(source)
            #expect(source.sha256(of: path) == Self.hex(Array(text.utf8)))
            #expect(source.sha256(of: path + ".other") == nil)
        }
    }

    @Test("a CSV bundle: every file's hash, as read")
    func bundle() throws {
        let dir = try TempDir()
        var files: [String: [UInt8]] = [:]
        files["operation.csv"] = Array("id,title,total_eligible,start\nOP,T,1.00,2024-01-01\n".utf8)
        files["participants.csv"] = Array("id,birth_date,criteria,gender\nP1,2000-01-01,,F\n".utf8)
        files["employments.csv"] = Array("participant_id,id,start,weekly_hours,disabled_part_time\n".utf8)
        files["trainings.csv"] = Array("participant_id,provider_id,start,months\nP1,PR,2024-01-01,3\n".utf8)
        for (name, bytes) in files { try dir.write(name, bytes: bytes) }
        let source = CSVBundleRecordSource(directory: dir.path, model: TestModel.model)
        _ = try collect(source)
        #expect(!source.files.isEmpty)
        for file in source.files {
            let name = (file as NSString).lastPathComponent
            #expect(source.sha256(of: file) == Self.hex(files[name] ?? [1]), "\(name)")
        }
    }
}
