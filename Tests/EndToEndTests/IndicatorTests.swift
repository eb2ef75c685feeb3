import Foundation
import Testing

/// One way to run a fixture folder with an expected-indicators.tsv: its inputs and the profile they need.
struct IndicatorFixture: CustomStringConvertible {
    var folder: String
    var inputs: [String]
    var profile: [String]
    var description: String { folder }
}

/// Every fixture folder with an expected-indicators.tsv (written by the generators from the oracle).
func indicatorFixtures() -> [IndicatorFixture] {
    let root = packageRoot.appendingPathComponent("Fixtures")
    let fm = FileManager.default
    guard let walker = fm.enumerator(atPath: root.path) else { return [] }
    var out: [IndicatorFixture] = []
    for case let path as String in walker where (path as NSString).lastPathComponent == "expected-indicators.tsv" {
        let folder = (path as NSString).deletingLastPathComponent
        let dir = root.appendingPathComponent(folder)
        if fm.fileExists(atPath: dir.appendingPathComponent("udelezenci.csv").path) {
            out.append(IndicatorFixture(folder: folder, inputs: [folder], profile: ["--profile", "si-legacy-csv"]))
        } else if folder.hasSuffix("-si-xml") {
            out.append(IndicatorFixture(folder: folder, inputs: [folder + "/export.xml"], profile: ["--profile", "si-legacy-xml"]))
        } else {
            out.append(IndicatorFixture(folder: folder, inputs: [folder + "/export.xml", folder + "/csv"], profile: []))
        }
    }
    return out.sorted { $0.folder < $1.folder }
}

/// The indicators of one run, by id.
func indicatorObjects(_ input: String, _ extra: [String] = []) throws -> [String: [String: Any]] {
    let r = try run(["check", fixture(input), "--format", "json", "--deterministic"] + extra)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(input): \(r.stderr)")
    let inputs = try #require(object["inputs"] as? [[String: Any]])
    let list = try #require(inputs.first?["indicators"] as? [[String: Any]])
    return Dictionary(list.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
}

func posixDecimal(_ s: String) -> Decimal? { Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) }

@Suite("Indicators add up on every fixture")
struct IndicatorIdentityTests {
    @Test("the fixtures with an expected-indicators.tsv are found (sample, clean, every scenario, both Slovenian layouts)")
    func fixturesFound() {
        let found = indicatorFixtures()
        #expect(found.count == 14, "\(found)")
        #expect(found.contains { $0.folder == "scenarios/participant-data" })
    }

    @Test("rows add up to the participant count, shares of participants divide by it, notes replace n/a, and the values are the oracle's",
          arguments: indicatorFixtures())
    func identities(_ f: IndicatorFixture) throws {
        let want = try fixtureTable("\(f.folder)/expected-indicators.tsv", header: "indicator\tvalue")
        for input in f.inputs {
            let x = try indicatorObjects(input, f.profile)
            #expect(Set(x.keys) == Set(want.map { $0[0] }), "\(input): indicator ids")
            func count(_ id: String) throws -> Int {
                let v = try #require(x[id]?["value"] as? String, "\(input) \(id)")
                return try #require(Int(v), "\(input) \(id): \(v)")
            }
            let participants = try count("participants")
            #expect(participants > 0)
            // the rows by region and by gender each add up to the participant count
            let regions = try ["participants_east", "participants_west", "participants_region_not_recorded"].map(count)
            #expect(regions.reduce(0, +) == participants, "\(input): regions \(regions), participants \(participants)")
            let genders = try ["participants_women", "participants_men", "participants_other_gender", "participants_gender_not_recorded"].map(count)
            #expect(genders.reduce(0, +) == participants, "\(input): genders \(genders), participants \(participants)")
            for (id, i) in x {
                let title = i["title"] as? String ?? ""
                let display = i["display"] as? String ?? ""
                #expect(!display.contains("n/a") && !title.contains("params."), "\(input) \(id): \(title) \(display)")
                // a value that cannot be computed has a note naming the missing data, and only then
                guard let value = i["value"] as? String else {
                    let note = try #require(i["note"] as? String, "\(input) \(id) has neither value nor note")
                    #expect(note.hasPrefix("not computed: ") && note.count > "not computed: ".count + 5)
                    #expect(display == "not computed")
                    continue
                }
                #expect(i["note"] == nil, "\(input) \(id)")
                guard i["unit"] as? String == "share" else { continue }
                let share = try #require(posixDecimal(value), "\(input) \(id): \(value)")
                #expect(share >= 0 && share <= 1, "\(input) \(id): \(value)")
                // shown as a percentage with two decimals
                var percent = share * 100, rounded = Decimal()
                NSDecimalRound(&rounded, &percent, 2, .plain)
                #expect(display == String(format: "%.2f %%", NSDecimalNumber(decimal: rounded).doubleValue), "\(input) \(id): \(display) for \(value)")
                // a share of participants is a whole number of participants over the participant count
                if title.hasSuffix(", share of participants") {
                    var product = share * Decimal(participants), whole = Decimal()
                    NSDecimalRound(&whole, &product, 0, .plain)
                    var difference = product - whole
                    if difference < 0 { difference = -difference }
                    #expect(difference < Decimal(string: "0.000001")!, "\(input) \(id): \(value) × \(participants) participants is not a whole number")
                }
            }
            // and every value is the oracle's (a share as numerator/denominator)
            for row in want {
                let got = x[row[0]]?["value"] as? String
                if row[1] == "-" { #expect(got == nil, "\(input) \(row[0])"); continue }
                let v = try #require(got.flatMap(posixDecimal), "\(input) \(row[0]) has no value, the oracle says \(row[1])")
                let (num, den) = try exactFraction(row[1])
                var product = v * den, rounded = Decimal()
                NSDecimalRound(&rounded, &product, 6, .plain)
                #expect(rounded == num, "\(input) \(row[0]): \(v), the oracle says \(row[1])")
            }
        }
    }

    @Test("a repeated participant id counts once with its first record; the same person under two ids counts twice")
    func participantDefinition() throws {
        // participant-data: three records under one id (F, F, M) and one person (one EMŠO) under three ids
        let x = try indicatorObjects("scenarios/participant-data/csv")
        #expect(x["participants"]?["value"] as? String == "16")
        #expect(x["participants_gender_not_recorded"]?["value"] as? String == "1")
        #expect(x["participants_region_not_recorded"]?["value"] as? String == "1")
        let r = try run(["check", fixture("scenarios/participant-data/export.xml"), "--width", "1000"])
        // ESF-PD-001 says what the indicators do with the record that lacks gender
        #expect(r.stdout.contains("the indicators count it as a participant (in the participant count and in the denominator of every share of participants), under 'gender not recorded'"))
        #expect(r.stdout.contains("Participants, gender not recorded"))
        // the report says how the count treats a repeated id and one person under two ids
        #expect(r.stdout.contains("Participants (distinct ids: a repeated id counts once, one person under two ids twice)"))
    }

    @Test("an indicator that cannot be computed says why, in text and JSON")
    func notComputed() throws {
        // the clean bundle with no follow-up records (a header-only follow_ups.csv)
        let dir = try temporaryDirectory()
        let bundle = dir.appendingPathComponent("csv")
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
        let followUps = bundle.appendingPathComponent("follow_ups.csv")
        let header = try #require(try String(contentsOf: followUps, encoding: .utf8).split(separator: "\n").first)
        try (header + "\n").write(to: followUps, atomically: true, encoding: .utf8)
        let json = try run(["check", bundle.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        let list = try #require((object["inputs"] as? [[String: Any]])?.first?["indicators"] as? [[String: Any]])
        let day30 = try #require(list.first { $0["id"] as? String == "employed_day30" })
        #expect(day30["value"] == nil)
        #expect(day30["display"] as? String == "not computed")
        #expect(day30["note"] as? String == "not computed: no participant has a follow-up record with the day-30 status (employed_day30)")
        // the note is part of the documented schema
        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/report.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let problems = MiniSchema(schema: schema).violations(object, schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let text = try run(["check", bundle.path, "--width", "1000"])
        let lines = text.stdout.split(separator: "\n").filter { $0.contains("Still employed") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("not computed: no participant has a follow-up record with the") })
        #expect(!text.stdout.contains("n/a"))
    }

    @Test("an indicator's label states the parameter value in force, and its value follows it")
    func labelFollowsParameter() throws {
        let dir = try temporaryDirectory()
        try """
        parameters:
          ucne-delavnice:
            ltu_months: 12
        """.write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--width", "1000"], in: dir)
        #expect(r.stdout.contains("Long-term unemployed at entry (registered unemployed for at least 12 months), share of participants"))
        #expect(!r.stdout.contains("at least 24 months"))
    }

    @Test("labels are in words and rates are percentages in indicators and findings alike")
    func wordsAndPercentages() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--deterministic", "--width", "1000"])
        #expect(r.stdout.contains("Long-term unemployed at entry (registered unemployed for at least 24 months), share of participants"))
        #expect(!r.stdout.contains("ltu_months"))
        #expect(r.stdout.contains("EU share of the EU and national contributions claimed"))
        #expect(r.stdout.contains("80.00 %"))
        #expect(!r.stdout.contains("0.8000"))
        // ESF-CF-001 shows the operation's rate as a percentage
        #expect(r.stdout.contains("× 80.00 %, 2)"))
        let plus = try run(["check", fixture("scenarios/plus-2021-2027/export.xml"), "--width", "1000"])
        #expect(plus.stdout.contains("EU rate 85.00 % in a more_developed region; the caps are 85.00 % (less developed), 60.00 % (transition), 40.00 % (more developed)"), "\(plus.stdout)")
        let targets = try run(["check", fixture("scenarios/indicators/export.xml"), "--width", "1000"])
        #expect(targets.stdout.contains("% of the participants"))
        #expect(!targets.stdout.contains("target rate is 0."))
    }
}
