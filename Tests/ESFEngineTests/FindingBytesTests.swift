import ESFCore
@testable import ESFEngine
import Testing

/// Findings kept in the temporary file while a run reads come back equal, every field.
@Suite("Findings as bytes")
struct FindingBytesTests {
    /// A finding with every field set, texts with multi-byte and invisible characters.
    static func full(_ n: Int) -> Finding {
        var location = SourceLocation(file: "exports/ud.xlsx", line: 17 + n, column: 3, xpath: "/operation/participants/participant[\(n)]/@id",
                                      record: 16 + n, field: "eligible")
        location.sourceField = "Upravičeni stroški"
        location.rawValue = "3.360,00"
        location.sheet = "expenditures"
        location.cell = "C\(17 + n)"
        var f = Finding(ruleID: "UD-EM-00\(n % 7)", severity: Severity.allCases[n % 5], message: "izdatek X\(n) (račun R-1\u{200B}) ponavlja",
                        recordKey: "UD-\(n)/training", participantID: "UD-\(n)", entity: "expenditure", location: location, pack: "ucne-delavnice",
                        title: "Vsak strošek se uveljavlja enkrat", legalBasis: ["Uredba (EU) št. 1303/2013", "člen 65(11)"], help: "Odstranite postavko",
                        expression: "unique(expenditure.id)", explain: [ExplainTerm(expression: "duplicate", value: "id = X\(n)"), ExplainTerm(expression: "occurrence", value: "2")],
                        fingerprint: String(repeating: "ab", count: 32), occurrence: n, relatedLocations: [
                            RelatedLocation(file: "b.csv", line: 2, xpath: nil, record: 1, field: "id", message: "first recorded as X\(n)"),
                            RelatedLocation(file: "c.xml", line: nil, xpath: "/a[1]", record: nil, field: nil, message: ""),
                        ])
        f.waiver = AppliedWaiver(reason: "accepted by the MA", approvedBy: "J. Novak", reference: "MA-\(n)", expires: "2027-06-30", file: "waivers.yaml", line: n)
        f.baselined = n % 2 == 0
        return f
    }

    @Test("every field of a finding comes back, also absent ones and empty lists")
    func roundTrip() {
        let bare = Finding(ruleID: "", severity: .info, message: "", recordKey: "", entity: "", location: nil)
        var partial = Self.full(3)
        partial.location?.rawValue = nil
        partial.relatedLocations = []
        partial.explain = []
        partial.baselined = false
        let findings = [Self.full(1), bare, partial, Self.full(4)]
        var bytes: [UInt8] = []
        for f in findings { FindingBytes.write(f, &bytes) }
        var shared: [String: String] = [:]
        var back: [Finding] = []
        bytes.withUnsafeBytes { p in
            var at = 0
            while at < p.count, let f = FindingBytes.read(p, &at, shared: &shared) { back.append(f) }
            #expect(at == p.count)
        }
        #expect(back == findings)
    }

    @Test("bytes cut short or not a finding's are refused, never read as a finding")
    func malformed() {
        var bytes: [UInt8] = []
        FindingBytes.write(Self.full(2), &bytes)
        var shared: [String: String] = [:]
        for end in stride(from: 0, to: bytes.count, by: 7) {
            Array(bytes[..<end]).withUnsafeBytes { p in
                var at = 0
                #expect(FindingBytes.read(p, &at, shared: &shared) == nil)
            }
        }
        // a severity past the five, an optional's flag that is neither 0 nor 1
        var bad = bytes
        bad[4 + 9] = 9  // after the rule id UD-EM-002 (its length, 4 bytes, and 9 bytes)
        bad.withUnsafeBytes { p in
            var at = 0
            #expect(FindingBytes.read(p, &at, shared: &shared) == nil)
        }
    }

    /// A field added to a finding, a location, a related location, an explained term or a waiver must be
    /// written too: these counts change with the types, and this test then fails until `FindingBytes`
    /// writes the new field (and the count here is brought up to date).
    @Test("the types written have the fields FindingBytes writes")
    func fieldsCovered() {
        let f = Self.full(1)
        #expect(Mirror(reflecting: f).children.count == 18)
        #expect(Mirror(reflecting: f.location!).children.count == 10)
        #expect(Mirror(reflecting: f.relatedLocations![0]).children.count == 6)
        #expect(Mirror(reflecting: f.explain[0]).children.count == 2)
        #expect(Mirror(reflecting: f.waiver!).children.count == 6)
    }

    @Test("the store gives the findings back in order, from memory and from the file")
    func store() {
        for chunk in [0, 64, 10_000_000] {
            let file = SpillFile(chunkBytes: chunk)
            var store = FindingStore(file: file)
            let findings = (0..<300).map(Self.full)
            for f in findings { store.append(f) }
            #expect(store.count == 300)
            #expect((file.bytesWritten > 0) == (chunk > 0 && chunk < 10_000_000))
            let back = store.takeAll()
            #expect(back.complete && back.findings == findings)
            #expect(store.count == 0 && store.ruleIDs.isEmpty)
            store.append(findings[5])
            #expect(store.takeAll().findings == [findings[5]])
        }
    }

    @Test("findings that cannot be read back are reported by their rules, not dropped")
    func storeUnreadable() {
        let file = SpillFile(chunkBytes: 64)
        var store = FindingStore(file: file)
        for f in (0..<20).map(Self.full) { store.append(f) }
        #expect(file.bytesWritten > 0)
        file.closeForTesting()
        // made after the file failed: kept in memory, and they come back
        let later = (20..<23).map(Self.full)
        for f in later { store.append(f) }
        let back = store.takeAll()
        #expect(!back.complete && back.findings == later)
        #expect(store.ruleIDs == Set((0..<23).map { "UD-EM-00\($0 % 7)" }))
        #expect(file.failure != nil)
    }
}
