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
