import ESFCore
import ESFEngine
import ESFInputs
import ESFRules
import Foundation

// The readers alone, without the engine: how fast an export is turned into records.
//
//     swift run -c release esfcheck-reader-bench xml FILE [--schema none|canonical] [--runs N]
//     swift run -c release esfcheck-reader-bench csv FOLDER [--profile NAME] [--runs N]
//
// Prints one line per run and the median: MB/s over the input's bytes and records/s.
// Benchmarks/run.sh measures the whole check; this separates reading from evaluating.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("esfcheck-reader-bench: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, in arguments: inout [String]) -> String? {
    guard let i = arguments.firstIndex(of: name) else { return nil }
    guard i + 1 < arguments.count else { fail("\(name) needs a value") }
    let value = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
    return value
}
let runsText = option("--runs", in: &arguments) ?? "3"
guard let runs = Int(runsText), runs > 0 else { fail("--runs must be a positive number, not '\(runsText)'") }
let schemaName = option("--schema", in: &arguments) ?? "none"
let profileName = option("--profile", in: &arguments)
guard arguments.count == 2, ["xml", "csv"].contains(arguments[0]) else {
    fail("usage: esfcheck-reader-bench xml FILE [--schema none|canonical] [--runs N] | csv FOLDER [--profile NAME] [--runs N]")
}
let form = arguments[0]
let path = arguments[1]

guard let rules = Checker.builtinRulesDirectory else { fail("the built-in rules are not beside the binary") }
let sink = DiagnosticSink()
guard let model = ModelLoader.load(path: rules + "/models/esf-operation-v1.yaml", displayPath: "esf-operation-v1.yaml", sink: sink), sink.isEmpty else {
    fail("the built-in data model does not load: \(sink.diagnostics.map(\.description))")
}
var profile: MappingProfile?
if let profileName {
    guard let p = ProfileLoader.resolve(profileName, rulesDirectories: [rules]),
          let loaded = ProfileLoader.load(path: p, displayPath: profileName, model: model, sink: sink), sink.isEmpty else {
        fail("no usable profile '\(profileName)' \(sink.diagnostics.map(\.description))")
    }
    profile = loaded
}
let schema: XMLSchemaOption
switch schemaName {
case "none": schema = .none
case "canonical": schema = .canonical
default: fail("--schema must be none or canonical, not '\(schemaName)'")
}

func bytes(of path: String) -> Int {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such input: \(path)") }
    guard isDirectory.boolValue else { return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
    let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return files.filter { $0.hasSuffix(".csv") }.reduce(0) { $0 + bytes(of: path + "/" + $1) }
}
let size = Double(bytes(of: path))

var seconds: [Double] = []
for run in 1...runs {
    var records = 0
    var problems = 0
    let start = DispatchTime.now().uptimeNanoseconds
    do {
        let count: (InputEvent) -> Void = { event in
            switch event {
            case .record: records += 1
            case .problem: problems += 1
            default: break
            }
        }
        if form == "xml" {
            let source = XMLRecordSource(path: path, model: model, schema: schema, profile: profile)
            try source.prepareSchema()
            try source.read(entityOrder: [], count)
        } else {
            try CSVBundleRecordSource(directory: path, model: model, profile: profile).read(entityOrder: [], count)
        }
    } catch {
        fail("\(path): \(error)")
    }
    let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    seconds.append(s)
    print(String(format: "run %d: %@ %.1f MB in %.2f s = %.1f MB/s, %d records (%.0f records/s), %d problems",
                 run, form, size / 1e6, s, size / 1e6 / s, records, Double(records) / s, problems))
}
let median = seconds.sorted()[seconds.count / 2]
print(String(format: "median of %d: %.2f s = %.1f MB/s", runs, median, size / 1e6 / median))
