import ESFCore

/// Findings written as bytes and read back equal (`Finding`'s equality, every field): the form in
/// which a run keeps its findings in the temporary file while the per-key state is in memory
/// (`FindingStore`). A text is its length (4 bytes) and its UTF-8 bytes; an optional is a byte (0:
/// absent) before its value; a list is its count before its elements; a number is 8 bytes.
///
/// A test counts the stored properties of every type written here (`Mirror`): a field added to a
/// finding without being added here fails it, so that no field is ever dropped on the way.
enum FindingBytes {
    static func write(_ f: Finding, _ out: inout [UInt8]) {
        var w = Writer(out: out)
        out = []
        w.text(f.ruleID)
        w.out.append(UInt8(f.severity.rank))
        w.text(f.message)
        w.text(f.recordKey)
        w.optional(f.participantID) { $0.text($1) }
        w.text(f.entity)
        w.optional(f.location) { w, l in
            w.text(l.file)
            w.optional(l.line) { $0.number($1) }
            w.optional(l.column) { $0.number($1) }
            w.optional(l.xpath) { $0.text($1) }
            w.optional(l.record) { $0.number($1) }
            w.optional(l.field) { $0.text($1) }
            w.optional(l.sourceField) { $0.text($1) }
            w.optional(l.rawValue) { $0.text($1) }
            w.optional(l.sheet) { $0.text($1) }
            w.optional(l.cell) { $0.text($1) }
        }
        w.optional(f.pack) { $0.text($1) }
        w.optional(f.title) { $0.text($1) }
        w.list(f.legalBasis) { $0.text($1) }
        w.optional(f.help) { $0.text($1) }
        w.optional(f.expression) { $0.text($1) }
        w.list(f.explain) { w, t in
            w.text(t.expression)
            w.text(t.value)
        }
        w.text(f.fingerprint)
        w.optional(f.occurrence) { $0.number($1) }
        w.optional(f.relatedLocations) { w, list in
            w.list(list) { w, r in
                w.text(r.file)
                w.optional(r.line) { $0.number($1) }
                w.optional(r.xpath) { $0.text($1) }
                w.optional(r.record) { $0.number($1) }
                w.optional(r.field) { $0.text($1) }
                w.text(r.message)
            }
        }
        w.optional(f.waiver) { w, a in
            w.text(a.reason)
            w.text(a.approvedBy)
            w.optional(a.reference) { $0.text($1) }
            w.optional(a.expires) { $0.text($1) }
            w.text(a.file)
            w.number(a.line)
        }
        w.optional(f.baselined) { $0.out.append($1 ? 1 : 0) }
        out = w.out
    }

    /// The finding at `at` in `p`, moving past it; nil when the bytes end early or are not a finding's
    /// (they are then not what was written: the caller fails the run). `shared` keeps one copy of each
    /// text that many findings repeat (a rule's title, legal basis, help and assertion, a file's name).
    static func read(_ p: UnsafeRawBufferPointer, _ at: inout Int, shared: inout [String: String]) -> Finding? {
        var r = Reader(p: p, at: at)
        defer { at = r.at }
        do {
            let ruleID = try r.shared(&shared)
            let rank = Int(try r.byte())
            guard rank < Severity.allCases.count else { throw Reader.Malformed() }
            var f = Finding(ruleID: ruleID, severity: Severity.allCases[rank], message: try r.text(), recordKey: try r.text(),
                            participantID: try r.optional { try $0.text() }, entity: try r.shared(&shared), location: nil)
            f.location = try r.optional { r in
                var l = SourceLocation(file: try r.shared(&shared), line: try r.optional { try $0.number() },
                                       column: try r.optional { try $0.number() }, xpath: try r.optional { try $0.text() },
                                       record: try r.optional { try $0.number() }, field: try r.optional { try $0.shared(&shared) })
                l.sourceField = try r.optional { try $0.shared(&shared) }
                l.rawValue = try r.optional { try $0.text() }
                l.sheet = try r.optional { try $0.shared(&shared) }
                l.cell = try r.optional { try $0.text() }
                return l
            }
            f.pack = try r.optional { try $0.shared(&shared) }
            f.title = try r.optional { try $0.shared(&shared) }
            f.legalBasis = try r.list { try $0.shared(&shared) }
            f.help = try r.optional { try $0.shared(&shared) }
            f.expression = try r.optional { try $0.shared(&shared) }
            f.explain = try r.list { r in ExplainTerm(expression: try r.shared(&shared), value: try r.text()) }
            f.fingerprint = try r.text()
            f.occurrence = try r.optional { try $0.number() }
            f.relatedLocations = try r.optional { r in
                try r.list { r in
                    RelatedLocation(file: try r.shared(&shared), line: try r.optional { try $0.number() }, xpath: try r.optional { try $0.text() },
                                    record: try r.optional { try $0.number() }, field: try r.optional { try $0.shared(&shared) },
                                    message: try r.text())
                }
            }
            f.waiver = try r.optional { r in
                AppliedWaiver(reason: try r.text(), approvedBy: try r.text(), reference: try r.optional { try $0.text() },
                              expires: try r.optional { try $0.text() }, file: try r.shared(&shared), line: try r.number())
            }
            f.baselined = try r.optional { r in
                let b = try r.byte()
                guard b <= 1 else { throw Reader.Malformed() }
                return b == 1
            }
            return f
        } catch {
            return nil
        }
    }

    private struct Writer {
        var out: [UInt8]

        mutating func text(_ s: String) {
            var s = s
            s.withUTF8 { bytes in
                ValueBytes.put(UInt32(truncatingIfNeeded: bytes.count), &out)
                out.append(contentsOf: bytes)
            }
        }

        mutating func number(_ n: Int) { ValueBytes.put(Int64(n), &out) }

        mutating func optional<T>(_ value: T?, _ body: (inout Writer, T) -> Void) {
            guard let value else { return out.append(0) }
            out.append(1)
            body(&self, value)
        }

        mutating func list<T>(_ items: [T], _ body: (inout Writer, T) -> Void) {
            ValueBytes.put(UInt32(truncatingIfNeeded: items.count), &out)
            for item in items { body(&self, item) }
        }
    }

    private struct Reader {
        struct Malformed: Error {}
        let p: UnsafeRawBufferPointer
        var at: Int

        mutating func byte() throws -> UInt8 {
            guard at < p.count else { throw Malformed() }
            defer { at += 1 }
            return p[at]
        }

        mutating func fixed<T: BitwiseCopyable>(_: T.Type) throws -> T {
            guard at + MemoryLayout<T>.size <= p.count else { throw Malformed() }
            return ValueBytes.get(p, &at)
        }

        mutating func number() throws -> Int { Int(try fixed(Int64.self)) }

        mutating func text() throws -> String {
            let n = Int(try fixed(UInt32.self))
            guard n <= p.count - at else { throw Malformed() }
            defer { at += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: p[at..<at + n]), as: UTF8.self)
        }

        /// A text that many findings repeat: one copy of it for all of them.
        mutating func shared(_ texts: inout [String: String]) throws -> String {
            let s = try text()
            if let known = texts[s] { return known }
            texts[s] = s
            return s
        }

        mutating func optional<T>(_ body: (inout Reader) throws -> T) throws -> T? {
            switch try byte() {
            case 0: return nil
            case 1: return try body(&self)
            default: throw Malformed()
            }
        }

        mutating func list<T>(_ body: (inout Reader) throws -> T) throws -> [T] {
            let n = Int(try fixed(UInt32.self))
            guard n <= p.count - at else { throw Malformed() }
            var items: [T] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try body(&self)) }
            return items
        }
    }
}

/// The findings of a run while it reads: as bytes (`FindingBytes`) in the temporary file, chunk after
/// chunk, not as `Finding`s in memory beside the per-key state (at a million participants 31,622
/// findings with their messages and explanations took 41 MB at the run's peak). They come back, in
/// the order made, once that state is gone.
struct FindingStore {
    private var bytes: SpilledBytes
    private(set) var count = 0
    /// The rules (ids) of the findings kept: those whose findings are missing if they cannot be read back.
    private(set) var ruleIDs: Set<String> = []

    init(file: SpillFile) {
        bytes = SpilledBytes(file: file)
    }

    mutating func append(_ f: Finding) {
        FindingBytes.write(f, &bytes.tail)
        bytes.endRecord()
        count += 1
        ruleIDs.insert(f.ruleID)
    }

    /// Every finding kept that can be read back, in the order kept, and the store emptied; `complete`
    /// is false when some could not be (the temporary file failed: `SpillFile.failure`, or bytes that
    /// are not a finding's): the chunks still in memory come back all the same. The rules of the
    /// findings are forgotten only when every finding came back.
    mutating func takeAll() -> (findings: [Finding], complete: Bool) {
        defer {
            bytes.removeAll()
            count = 0
        }
        var out: [Finding] = []
        out.reserveCapacity(count)
        var complete = forEach { out.append($0) }
        if complete && out.count == count { ruleIDs = [] } else { complete = false }
        return (out, complete)
    }

    /// Calls `body` with every finding kept that can be read back, in the order kept, a chunk at a time
    /// (the store is left as it is); false when some could not be. With `untilFailure`, it stops at the
    /// first that cannot be (so that the findings given are the first ones, without a gap).
    func forEach(untilFailure: Bool = false, _ body: (Finding) -> Void) -> Bool {
        var buffer: [UInt8] = []
        var shared: [String: String] = [:]
        var complete = true
        for c in 0..<bytes.chunkCount {
            guard let chunk = bytes.chunk(c, buffer: &buffer) else {
                complete = false
                if untilFailure { break }
                continue
            }
            let whole = chunk.withUnsafeBytes { p in
                var at = 0
                while at < p.count {
                    guard let f = FindingBytes.read(p, &at, shared: &shared) else { return false }
                    body(f)
                }
                return true
            }
            if !whole {
                complete = false
                if untilFailure { break }
            }
        }
        return complete
    }

    /// Forgets the rules of findings that could not be read back (once they are failed).
    mutating func forgetRules() { ruleIDs = [] }
}
