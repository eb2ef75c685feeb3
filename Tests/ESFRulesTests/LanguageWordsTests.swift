import ESFCore
import ESFEngine
@testable import ESFReports
import Foundation
import Testing

/// The catalogues of the report's words (`ReportWords`), of the reserved findings' messages and of the
/// CLI's diagnostics, in English and Slovenian.
@Suite("Report words and diagnostics in two languages")
struct LanguageWordsTests {
    /// Every text of a catalogue by its property name (a noun's forms as `name.one` …).
    static func phrases(_ w: ReportWords) -> [(name: String, text: String)] {
        var out: [(String, String)] = []
        for child in Mirror(reflecting: w).children {
            guard let name = child.label else { continue }
            if let text = child.value as? String {
                out.append((name, text))
            } else if let noun = child.value as? Noun {
                for (form, text) in zip(["one", "two", "few", "other"], noun.forms) { out.append(("\(name).\(form)", text)) }
            }
        }
        return out
    }

    /// `{0}`, `{1}` … in a template.
    static func placeholders(_ s: String) -> Set<String> {
        var out = Set<String>()
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let inner = rest[rest.index(after: open)..<close]
            if Int(inner) != nil { out.insert("{\(inner)}") }
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// Phrases that are the same word in both languages.
    static let sameInBothLanguages: Set<String> = ["element", "parameter.one"]

    @Test("every phrase is non-empty in both languages, has the same placeholders, and the Slovenian differs from the English")
    func catalogueComplete() {
        let en = Self.phrases(.en), sl = Dictionary(Self.phrases(.sl), uniquingKeysWith: { a, _ in a })
        #expect(en.count > 150, "\(en.count) phrases")
        #expect(en.count == sl.count)
        for (name, text) in en {
            let slovenian = sl[name] ?? ""
            #expect(!text.isEmpty, "\(name) is empty in English")
            #expect(!slovenian.isEmpty, "\(name) is empty in Slovenian")
            #expect(Self.placeholders(text) == Self.placeholders(slovenian), "\(name): placeholders differ")
            if !Self.sameInBothLanguages.contains(name) {
                #expect(text != slovenian, "\(name) is the same in both languages: '\(text)'")
            }
        }
    }

    @Test("fill, Slovenian plural forms, severity counts, dates and amounts")
    func helpers() {
        let sl = ReportWords.sl
        #expect(ReportWords.fill("{1} and {0}, {2}", ["a", "{1}"]) == "{1} and a, {2}")
        #expect([1, 2, 3, 4, 5, 11, 101, 102, 104].map(sl.finding.counted)
                == ["1 ugotovitev", "2 ugotovitvi", "3 ugotovitve", "4 ugotovitve", "5 ugotovitev", "11 ugotovitev",
                    "101 ugotovitev", "102 ugotovitvi", "104 ugotovitve"])
        #expect(ReportWords.en.rule.counted(1) == "1 rule" && ReportWords.en.rule.counted(43) == "43 rules")
        var c = SeverityCounts([])
        c.error = 10
        c.review = 1
        #expect(ReportWords.en.severityCounts(c) == "0 fatal, 10 error, 1 review, 0 warning, 0 info")
        #expect(sl.severityCounts(c) == "kritično: 0, napaka: 10, pregled: 1, opozorilo: 0, obvestilo: 0")
        #expect(sl.entityCount(41, "participant") == "41 udeležencev" && sl.entityCount(6, "provider") == "6 izvajalcev")
        #expect(sl.entityCount(3, "custom_entity") == "custom_entity: 3")
        #expect(sl.entityName("participant.employment") == "udeleženec › subvencionirana zaposlitev" && sl.entityName("follow_up") == "spremljanje")
        #expect(ReportWords.en.entityCount(23, "follow_up") == "23 follow-ups")
        #expect(sl.date("2026-11-29") == "29. 11. 2026" && ReportWords.en.date("2026-11-29") == "2026-11-29")
        #expect(sl.amount(ExactDecimal(parsing: "375340.66")!) == "375.340,66")
        #expect(sl.number("0.80") == "0,80" && sl.number("12500") == "12.500" && sl.number("x") == "x" && ReportWords.en.number("0.80") == "0.80")
    }

    @Test("the HTML script writes the catalogue's words; each language's policy allows its own script")
    func script() {
        #expect(HTMLAssets.countExpression(.en) == "'showing ' + shown + ' of ' + findings.length + ' findings'")
        #expect(HTMLAssets.countExpression(.sl) == "'prikazano ' + shown + ' od ' + findings.length")
        #expect(HTMLAssets.js(.sl).contains("'prikazano '") && !HTMLAssets.js(.sl).contains("'showing '"))
        #expect(HTMLReporter.contentSecurityPolicy(.en) != HTMLReporter.contentSecurityPolicy(.sl))
    }

    @Test("the text report in Slovenian: summary line, headings and locations")
    func textReport() {
        let location = SourceLocation(file: "a/izdatki.csv", line: 5, column: 40, record: 4, field: "eu")
        var r = Report(toolVersion: "0.0.1", startedAt: nil, options: [:], packs: [PackInfo(id: "p", title: "P", version: "1", provisional: true, sha256: "", rules: 2)],
                       inputs: [InputInfo(path: "a", format: "csv", operation: "OP-1", files: [], records: [])],
                       failOn: .error, coverage: [RuleCoverage(ruleID: "R-1", pack: "p")],
                       findings: [Finding(ruleID: "R-1", severity: .error, message: "m", recordKey: "E-1", entity: "expenditure", location: location,
                                          legalBasis: ["Uredba"], help: "h")])
        r.language = .sl
        let out = TextReporter(color: false, explain: false).render(r)
        #expect(out.hasPrefix("odločitev: zavrnjeno — 1 ugotovitev (kritično: 0, napaka: 1, pregled: 0, opozorilo: 0, obvestilo: 0); izhodna koda 1\n"))
        #expect(out.contains("napaka R-1 (1 ugotovitev)"))
        #expect(out.contains("  pravna podlaga: Uredba") && out.contains("  kako popraviti: h"))
        #expect(out.contains("[E-1] izdatki.csv:5:40 zapis 4 stolpec eu — m"))
        #expect(out.contains("paketi pravil: p 1 (začasno)"))
    }

    /// One message of every case, with values that appear nowhere in the texts themselves.
    static let samples: [ReservedMessage] = [
        .outOfOrder(entity: "Xent"), .secondRoot(entity: "Xent"), .noRoot(entity: "Xent"),
        .orphan(entity: "Xent", key: "Xkey", field: "Xfield", parentID: "Xpid", parent: "Xparent"),
        .multiple(parent: "Xparent", parentID: "Xpid", entity: "Xent"),
        .ruleFailed(rule: "Xrule", key: "Xkey", reason: "Xreason"), .ruleOverBudget(rule: "Xrule", key: "Xkey", reason: "Xreason"),
        .emptyList(entity: "Xent", place: "Xplace"), .emptyFile(file: "Xfile"),
        .unknownColumn(file: "Xfile", column: "Xcolumn", why: "Xwhy"), .repeatedColumn(file: "Xfile", column: "Xcolumn"),
        .raggedRow(file: "Xfile", line: 9017, cells: 9018, headerCells: 9019),
        .malformedCell(label: "Xlabel", column: "Xcolumn", defect: .textAfterQuote),
        .unparseable(label: "Xlabel", field: "Xfield", raw: "Xraw", expectation: "Xexpectation"),
        .invisible(label: "Xlabel", field: "Xfield", raw: "Xraw", described: "Xdescribed", position: 9020),
        .requiredMissing(label: "Xlabel", entity: "Xent", field: "Xfield"),
        .unknownAttribute(label: "Xlabel", name: "Xname", entity: "Xent", inProfile: true),
        .unexpectedText(snippet: "Xsnippet", element: "Xelement"),
        .rootNamespace(root: "Xroot", actual: "Xactual", expected: "Xexpected"),
        .wrongRoot(found: "Xfound", expected: "Xexpected", namespace: "Xnamespace"),
        .elementNamespace(element: "Xelement", parent: "Xparent", actual: "Xactual", expected: "Xexpected"),
        .unknownElement(element: "Xelement", parent: "Xparent", allowed: ["Xallowed"]),
        .misplacedElement(element: "Xelement", parent: "Xparent", homes: ["Xhome"]),
        .fieldAfterNested(element: "Xelement", child: "Xchild"),
        .schemaValidity(text: "Xtext"),
        .waiverExpired(target: "Xtarget", expires: CivilDate(year: 2026, month: 11, day: 30), approvedBy: "Xapprover", findings: 9021),
        .waiverUnused(target: "Xtarget"),
    ]

    /// The case's name: the switch makes the compiler name every case, and the test checks that the
    /// samples hold each one.
    static func caseName(_ m: ReservedMessage) -> String {
        switch m {
        case .outOfOrder: return "outOfOrder"
        case .secondRoot: return "secondRoot"
        case .noRoot: return "noRoot"
        case .orphan: return "orphan"
        case .multiple: return "multiple"
        case .ruleFailed: return "ruleFailed"
        case .ruleOverBudget: return "ruleOverBudget"
        case .emptyList: return "emptyList"
        case .emptyFile: return "emptyFile"
        case .unknownColumn: return "unknownColumn"
        case .repeatedColumn: return "repeatedColumn"
        case .raggedRow: return "raggedRow"
        case .malformedCell: return "malformedCell"
        case .unparseable: return "unparseable"
        case .invisible: return "invisible"
        case .requiredMissing: return "requiredMissing"
        case .unknownAttribute: return "unknownAttribute"
        case .unexpectedText: return "unexpectedText"
        case .rootNamespace: return "rootNamespace"
        case .wrongRoot: return "wrongRoot"
        case .elementNamespace: return "elementNamespace"
        case .unknownElement: return "unknownElement"
        case .misplacedElement: return "misplacedElement"
        case .fieldAfterNested: return "fieldAfterNested"
        case .schemaValidity: return "schemaValidity"
        case .waiverExpired: return "waiverExpired"
        case .waiverUnused: return "waiverUnused"
        }
    }

    /// The values a text must carry: every `X…` word and number of the sample's English text.
    static func values(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init).filter { $0.hasPrefix("X") || Int($0) != nil })
    }

    @Test("every reserved message has both languages, with the same values; titles and help too")
    func reservedMessages() {
        #expect(Set(Self.samples.map(Self.caseName)).count == 27, "a case of ReservedMessage has no sample")
        for m in Self.samples {
            let en = m.text(.en), sl = m.text(.sl)
            #expect(en == m.text)
            #expect(Self.values(en) == Self.values(sl), "\(Self.caseName(m)): \(en) | \(sl)")
            if case .schemaValidity = m { continue }  // libxml2's own words
            #expect(en != sl && !sl.isEmpty, "\(Self.caseName(m)) is not in Slovenian")
            let helpEN = m.help(rulePlace: "Xplace.yaml:3", language: .en), helpSL = m.help(rulePlace: "Xplace.yaml:3", language: .sl)
            #expect(helpEN != helpSL && Self.values(helpEN) == Self.values(helpSL), "\(Self.caseName(m)) help")
        }
        for kind in ReservedFinding.allCases {
            #expect(kind.title(.sl) != kind.title && !kind.title(.sl).isEmpty)
            #expect(kind.help(.sl) != kind.help && !kind.help(.sl).isEmpty)
            #expect(kind.title(.en) == kind.title && kind.help(.en) == kind.help)
        }
    }

    @Test("the CLI's diagnostics in Slovenian keep the file, line and column; English is unchanged")
    func diagnostics() {
        let input = CheckError.input(InputError(location: SourceLocation(file: "x/export.xml", line: 7, column: 3),
                                                message: "malformed XML: opening and ending tag mismatch"))
        #expect(input.text(.en) == input.description)
        #expect(input.text(.sl) == "x/export.xml:7:3: neveljaven XML: opening and ending tag mismatch")
        let ds = CheckError.diagnostics([Diagnostic(code: "rule.unknown_key", message: "unknown key 'asert' (did you mean assert?)", file: "r.yaml", line: 4, column: 5)])
        #expect(ds.text(.sl) == "r.yaml:4:5: napaka: unknown key 'asert' (ste mislili assert?) [rule.unknown_key]\ntežave v datotekah pravil in nastavitev: 1")
        #expect(ds.text(.en) == ds.description)
        #expect(CheckError.usage("no such file or folder").text(.sl) == "napaka: ni take datoteke ali mape")
        #expect(DiagnosticWords.unknownCommand("chek", suggestion: "check", .sl) == "neznan ukaz 'chek'; ste mislili 'check'?")
        #expect(ErrorDocument.render(input, language: .sl).contains("\"message\" : \"neveljaven XML: "))
    }
}
