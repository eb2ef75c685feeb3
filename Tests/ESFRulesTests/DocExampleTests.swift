import ESFCore
import ESFExpr
import ESFRules
import Foundation
import Testing

/// The repository root (the folder of Rules/).
let docRoot = URL(fileURLWithPath: repositoryRules).deletingLastPathComponent().path

/// README.md and every Markdown file of docs/.
func documentationFiles() throws -> [String] {
    let docs = docRoot + "/docs"
    let names = try FileManager.default.contentsOfDirectory(atPath: docs).filter { $0.hasSuffix(".md") }.sorted()
    return [docRoot + "/README.md"] + names.map { docs + "/" + $0 }
}

/// The ```yaml blocks of a Markdown file, with the line each starts on.
func yamlBlocks(_ path: String) throws -> [(line: Int, text: String)] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
    var blocks: [(Int, String)] = []
    var current: [String]?
    var start = 0
    for (i, line) in lines.enumerated() {
        if current == nil, line.trimmingCharacters(in: .whitespaces) == "```yaml" {
            current = []
            start = i + 2
        } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
            blocks.append((start, current!.joined(separator: "\n") + "\n"))
            current = nil
        } else if current != nil {
            current!.append(line)
        }
    }
    return blocks
}

/// A line without its trailing ` # comment` and trailing spaces.
func withoutComment(_ line: String) -> String {
    var s = line
    if let r = s.range(of: " #") { s = String(s[..<r.lowerBound]) }
    while s.hasSuffix(" ") { s.removeLast() }
    return s
}

enum DocExampleKind: Equatable { case rules, pack, profile, config, excerpt, waivers }

/// What a documentation example is, by its content.
func classify(_ text: String) -> DocExampleKind {
    let first = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
    if first.hasPrefix("# partial") { return .excerpt }
    if first.hasPrefix("- id:") { return .rules }
    let keys = Set(text.split(separator: "\n").compactMap { line -> String? in
        guard let c = line.first, c.isLetter, let colon = line.firstIndex(of: ":") else { return nil }
        return String(line[..<colon])
    })
    if keys.contains("extends") || keys.contains("indicators") || keys.contains("selector") { return .pack }
    if keys.contains("entities") { return .profile }
    if keys.contains("waivers") && text.contains("approved_by:") { return .waivers }
    return .config
}

@Suite("Documentation examples")
struct DocExampleTests {
    @Test("every ```yaml block of README.md and docs/*.md loads (rules, pack, profile, config) or is a marked excerpt of a shipped file")
    func everyExampleLoads() throws {
        let model = try #require(ModelLoader.load(path: repositoryRules + "/models/esf-operation-v1.yaml", displayPath: "model", sink: DiagnosticSink()))
        let builtIn = try builtInPacks()
        var loaded: [DocExampleKind: Int] = [:]
        for file in try documentationFiles() {
            for (line, text) in try yamlBlocks(file) {
                let place = "\((file as NSString).lastPathComponent):\(line)"
                let kind = classify(text)
                let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-doc-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
                let sink = DiagnosticSink()
                switch kind {
                case .excerpt:
                    // "# partial: lines of PATH …": every other line is a line of PATH, in order
                    let marker = text.prefix { $0 != "\n" }
                    let path = try #require(marker.split(separator: " ").first { $0.contains("/") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }, "\(place): a partial block names the shipped file it quotes")
                    let shipped = try String(contentsOfFile: docRoot + "/" + path, encoding: .utf8).components(separatedBy: "\n").map(withoutComment)
                    var at = 0
                    for l in text.components(separatedBy: "\n").dropFirst() where !l.trimmingCharacters(in: .whitespaces).isEmpty && !l.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                        guard let found = shipped[at...].firstIndex(of: withoutComment(l)) else {
                            Issue.record("\(place): '\(l)' is not a line of \(path) (after the previous one)")
                            break
                        }
                        at = found + 1
                    }
                case .rules:
                    // the rule file in a copy of the built-in pack that defines the rule (for its parameters)
                    let ids = text.components(separatedBy: "\n").filter { $0.hasPrefix("- id:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
                    let shipped = try #require(builtIn.rules.first { $0.id == ids.first }, "\(place): the example's rule \(ids.first ?? "?") is a built-in rule")
                    let pack = try #require(builtIn.packs.first { $0.id == shipped.pack })
                    let dir = tmp.appendingPathComponent(pack.id)
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(atPath: pack.directory + "/pack.yaml", toPath: dir.appendingPathComponent("pack.yaml").path)
                    try text.write(to: dir.appendingPathComponent("example.yaml"), atomically: true, encoding: .utf8)
                    let set = PackLoader.load(directories: [dir.path], modelDirectories: [repositoryRules + "/models"], sink: sink)
                    let rule = try #require(set?.rules.first, "\(place): \(sink.diagnostics)")
                    // the example is the shipped rule
                    #expect(rule.title == shipped.title && rule.severity.description == shipped.severity.description
                            && rule.scopeName == shipped.scopeName && rule.whenText == shipped.whenText
                            && rule.assertText == shipped.assertText && rule.message.en.source == shipped.message.en.source && rule.message.sl?.source == shipped.message.sl?.source
                            && rule.legalBasis == shipped.legalBasis && rule.help == shipped.help
                            && rule.examples.count == shipped.examples.count, "\(place): the example differs from the shipped \(shipped.id)")
                case .pack:
                    // a pack.yaml fragment: with an id and the model when it has none, beside copies of the built-in packs
                    for header in PackLoader.headers(under: repositoryRules) {
                        try FileManager.default.copyItem(atPath: header.directory, toPath: tmp.appendingPathComponent((header.directory as NSString).lastPathComponent).path)
                    }
                    let dir = tmp.appendingPathComponent("doc-example")
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    let header = text.contains("\nid:") || text.hasPrefix("id:") ? "" : "id: doc-example\nmodel: esf-operation-v1\n"
                    try (header + text).write(to: dir.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
                    let set = PackLoader.load(directories: [dir.path], modelDirectories: [repositoryRules + "/models"], sink: sink)
                    #expect(set != nil, "\(place): \(sink.diagnostics)")
                case .profile:
                    let path = tmp.appendingPathComponent("profile.yaml").path
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                    #expect(ProfileLoader.load(path: path, displayPath: place, model: model, sink: sink) != nil && sink.diagnostics.isEmpty, "\(place): \(sink.diagnostics)")
                case .waivers:
                    let path = tmp.appendingPathComponent("waivers.yaml").path
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                    let waivers = WaiverLoader.load(path: path, sink: sink)
                    #expect(waivers?.isEmpty == false && sink.diagnostics.isEmpty, "\(place): \(sink.diagnostics)")
                    // the rules it waives are built-in rules
                    for w in waivers ?? [] { #expect(builtIn.rules.contains { $0.id == w.ruleID }, "\(place): \(w.ruleID)") }
                case .config:
                    let path = tmp.appendingPathComponent("esfcheck.yaml").path
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                    let config = ProjectConfig.load(path: path, model: model, sink: sink)
                    #expect(config != nil && sink.diagnostics.isEmpty && config?.diagnostics.isEmpty != false, "\(place): \(sink.diagnostics)")
                }
                loaded[kind, default: 0] += 1
            }
        }
        // README: a config and a rule; language.md: two pack fragments; inputs.md: three excerpts
        #expect(loaded[.rules] ?? 0 >= 1)
        #expect(loaded[.config] ?? 0 >= 1)
        #expect(loaded[.pack] ?? 0 >= 2)
        #expect(loaded[.excerpt] ?? 0 >= 3)
        #expect(loaded[.waivers] ?? 0 >= 1, "docs/waivers.md has an example waiver file")
        #expect(loaded.filter { $0.key != .excerpt }.values.reduce(0, +) >= 4)
    }

    @Test("README.md and docs/ name no document outside the repository")
    func noOutsideDocuments() throws {
        for file in try documentationFiles() {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for reference in ["../shared", "/work/", "SPEC §", "SPEC.md", "RULES.md", "ESF-DOMAIN", "domain brief", "STYLE.md"] {
                #expect(!text.contains(reference), "\((file as NSString).lastPathComponent) names \(reference)")
            }
        }
    }

    @Test("docs/language.md lists every built-in function and aggregate")
    func everyBuiltinDocumented() throws {
        let text = try String(contentsOfFile: docRoot + "/docs/language.md", encoding: .utf8)
        let names = Builtin.allCases.map(\.rawValue) + ["count", "count_distinct", "sum", "min", "max", "lookup", "exists", "unique", "no_overlap"]
        for name in names {
            #expect(text.contains("`\(name)("), "docs/language.md does not list \(name)")
        }
        #expect(names.count > 25)
    }

    @Test("the README says how the pack SHA-256 is computed")
    func packHashDocumented() throws {
        let text = try String(contentsOfFile: docRoot + "/README.md", encoding: .utf8)
        #expect(text.contains("a NUL byte, the file's SHA-256"))
    }
}
