import Foundation
import Testing

@Suite("Report wording")
struct WordingTests {
    @Test("counts carry their plurals: records read per entity, examples and rules of verify")
    func plurals() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml")])
        let first = try #require(r.stdout.split(separator: "\n").first)
        #expect(first.hasSuffix("1 operation, 6 providers, 41 participants, 40 trainings, 25 employments, 23 follow-ups, 75 expenditures"), "\(first)")
        let v = try run(["verify"])
        #expect(v.stdout.contains("of 85 rules: "), "\(v.stdout)")
        #expect(v.stdout.contains("0 rules lack examples"), "\(v.stdout)")
    }
}

@Suite("Mistyped ids")
struct NearestTests {
    @Test("rules show is case-insensitive; an unknown rule or pack id gets the nearest match")
    func nearest() throws {
        let shown = try run(["rules", "show", "ud-em-003"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("UD-EM-003"))
        let typo = try run(["rules", "show", "UD-EM-03"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("no rule UD-EM-03 (did you mean UD-EM-003?)"), "\(typo.stderr)")
        let pack = try run(["check", fixture("clean/export.xml"), "--pack", "ucne-delavnica"])
        #expect(pack.status == 2)
        #expect(pack.stderr.contains("unknown pack 'ucne-delavnica' (did you mean ucne-delavnice?)"), "\(pack.stderr)")
        let far = try run(["rules", "show", "XYZ"])
        #expect(far.status == 2)
        #expect(!far.stderr.contains("did you mean"))
    }
}
