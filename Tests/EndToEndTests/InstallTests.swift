import Foundation
import Testing

/// Runs `executable` (not necessarily the built binary) from `directory` with exactly `environment`.
func run(_ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String]) throws -> RunResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = environment
    return try finished(process)
}

/// The environment of a run with no resources override (whatever the test runner's environment says).
func environmentWithoutOverride() -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["ESFCHECK_RESOURCES"] = nil
    return env
}

/// The built-in packs' ids and versions, read from their pack.yaml files in the source tree.
func builtinPackVersions() throws -> [String: String] {
    let rules = packageRoot.appendingPathComponent("Rules")
    var versions: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: rules.path) {
        let file = rules.appendingPathComponent(name).appendingPathComponent("pack.yaml")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
        var id: String?, version: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("id:") { id = line.dropFirst(3).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("version:") { version = line.dropFirst(8).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        }
        if let id, let version { versions[id] = version }
    }
    return versions
}

@Suite("Installed layout: resources found beside the executable, never through the build folder")
struct InstallLayoutTests {
    /// A copy of the built binary in `<prefix>/bin`, with the resources in `<prefix>/share/esfcheck` when
    /// `withResources` (the layout of Scripts/install.sh and of the release tarball).
    func prefix(withResources: Bool) throws -> (prefix: URL, executable: URL) {
        let fm = FileManager.default
        let prefix = try temporaryDirectory().appendingPathComponent("prefix with space")
        let bin = prefix.appendingPathComponent("bin")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        let executable = bin.appendingPathComponent("esfcheck")
        try fm.copyItem(at: try binary(), to: executable)
        if withResources {
            let share = prefix.appendingPathComponent("share/esfcheck")
            try fm.createDirectory(at: share.appendingPathComponent("Fixtures/ucne-delavnice"), withIntermediateDirectories: true)
            try fm.copyItem(at: packageRoot.appendingPathComponent("Rules"), to: share.appendingPathComponent("Rules"))
            try fm.copyItem(at: packageRoot.appendingPathComponent("Fixtures/ucne-delavnice/export.xml"),
                            to: share.appendingPathComponent("Fixtures/ucne-delavnice/export.xml"))
        }
        return (prefix, executable)
    }

    @Test("a binary in PREFIX/bin uses PREFIX/share/esfcheck from any working folder: the sample is checked and shown as bundled")
    func installedPrefix() throws {
        let (prefix, exe) = try prefix(withResources: true)
        let elsewhere = try temporaryDirectory()
        let r = try run(exe, ["check", "--deterministic"], in: elsewhere, environment: environmentWithoutOverride())
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("(bundled) Fixtures/ucne-delavnice/export.xml"))
        #expect(r.stdout.contains("esf-2014-2020") && r.stdout.contains("ucne-delavnice"))
        #expect(!r.stdout.contains(".build") && !r.stderr.contains(".build"), "\(r.stdout)")
        let v = try run(exe, ["--version"], in: elsewhere, environment: environmentWithoutOverride())
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("resources: \(prefix.appendingPathComponent("share/esfcheck").path)\n"), "\(v.stdout)")
        // through a symbolic link elsewhere (~/bin/esfcheck → PREFIX/bin/esfcheck): the prefix it points into
        let link = elsewhere.appendingPathComponent("esfcheck-link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: exe)
        let linked = try run(link, ["--version"], in: elsewhere, environment: environmentWithoutOverride())
        #expect(linked.status == 0 && linked.stdout == v.stdout, "\(linked.stdout) \(linked.stderr)")
        // the same report as through the build folder's resources (pack hashes do not depend on the place)
        let installed = try run(exe, ["check", "Fixtures/clean/export.xml", "--deterministic", "--format", "json"], in: packageRoot, environment: environmentWithoutOverride())
        let built = try run(try binary(), ["check", "Fixtures/clean/export.xml", "--deterministic", "--format", "json"], in: packageRoot, environment: environmentWithoutOverride())
        #expect(installed.status == 0 && built.status == 0, "\(installed.stderr) \(built.stderr)")
        #expect(installed.stdout == built.stdout)
    }

    @Test("a binary without its resources stops with exit 2 naming every folder tried, never a crash")
    func missingResources() throws {
        let (prefix, exe) = try prefix(withResources: false)
        let elsewhere = try temporaryDirectory()
        for args in [["check"], ["check", fixture("clean/export.xml")], ["--version"], ["rules", "list"], ["schema"], ["verify"]] {
            let r = try run(exe, args, in: elsewhere, environment: environmentWithoutOverride())
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("the built-in packs, data model and sample were not found beside the esfcheck executable"), "\(args): \(r.stderr)")
            #expect(r.stderr.contains("\(prefix.appendingPathComponent("bin/esfcheck_ESFResources.resources").path) (no such folder)"), "\(r.stderr)")
            #expect(r.stderr.contains("\(prefix.appendingPathComponent("share/esfcheck").path) (no such folder)"), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"), "\(r.stderr)")
        }
        let json = try run(exe, ["check", "--format", "json"], in: elsewhere, environment: environmentWithoutOverride())
        #expect(json.status == 2)
        #expect(json.stdout.contains("\"verdict\" : \"error\"") || json.stdout.contains("\"verdict\":\"error\""), "\(json.stdout)")
    }

    @Test("ESFCHECK_RESOURCES names the resources folder; one that cannot be used is exit 2, with nothing else tried")
    func environmentOverride() throws {
        let (prefix, exe) = try prefix(withResources: false)
        let elsewhere = try temporaryDirectory()
        var env = environmentWithoutOverride()
        // the resources of the source tree (Rules/ and Fixtures/ at the package root)
        env["ESFCHECK_RESOURCES"] = packageRoot.path
        let r = try run(exe, ["check", "--deterministic"], in: elsewhere, environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("(bundled) Fixtures/ucne-delavnice/export.xml"))
        env["ESFCHECK_RESOURCES"] = prefix.path
        let bad = try run(try binary(), ["check", "--deterministic"], in: elsewhere, environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("ESFCHECK_RESOURCES") && bad.stderr.contains("\(prefix.path) (no Rules folder in it)"), "\(bad.stderr)")
    }
}

@Suite("Command-line conventions: --version, did-you-mean, completions")
struct CommandLineConventionTests {
    @Test("--version prints the tool's version and every built-in pack's id and version")
    func version() throws {
        let r = try run(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.range(of: #"^esfcheck \d+\.\d+\.\d+$"#, options: .regularExpression) != nil, "\(r.stdout)")
        let versions = try builtinPackVersions()
        #expect(versions.count == 4, "\(versions)")
        for (id, version) in versions {
            #expect(lines.contains { $0.hasPrefix("  \(id) ") && $0.contains(" \(version)") }, "\(id) \(version): \(r.stdout)")
        }
        #expect(lines.contains { $0.hasPrefix("  esf-2021-2027 ") && $0.hasSuffix("(provisional)") }, "\(r.stdout)")
        #expect(lines.last?.hasPrefix("resources: ") == true)
    }

    @Test("a mistyped subcommand is exit 2 with the subcommand it is near")
    func didYouMean() throws {
        for (word, command) in [("chek", "check"), ("rule", "rules"), ("verfy", "verify"), ("shema", "schema"), ("innit", "init"), ("halp", "help")] {
            let r = try run([word])
            #expect(r.status == 2, "\(word): \(r.stderr)")
            #expect(r.stderr == "error: unknown command '\(word)'; did you mean '\(command)'?\n", "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let json = try run(["chek", "--format", "json"])
        #expect(json.status == 2)
        #expect(json.stdout.contains("unknown command 'chek'; did you mean 'check'?"), "\(json.stdout)")
    }

    @Test("a first argument that is an existing path, has a separator or an extension, or is near no command stays an input")
    func inputsStayInputs() throws {
        let dir = try temporaryDirectory()
        // an existing file named like a typo is checked (here: not XML, exit 3), never called a command
        try "not xml".write(to: dir.appendingPathComponent("chek"), atomically: true, encoding: .utf8)
        let existing = try run(["chek"], in: dir)
        #expect(existing.status == 3, "\(existing.stderr)")
        #expect(!existing.stderr.contains("unknown command"))
        for word in ["chek.xml", "./chek", "xyzzy"] {
            let r = try run([word], in: dir)
            #expect(r.status == 3, "\(word): \(r.stderr)")
            #expect(!r.stderr.contains("unknown command"), "\(word): \(r.stderr)")
        }
        // the default subcommand still takes an existing export as its first argument
        let sample = try run([fixture("ucne-delavnice/export.xml"), "--deterministic"])
        #expect(sample.status == 1, "\(sample.stderr)")
    }

    @Test("completion scripts for bash, zsh and fish name the subcommands")
    func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try run(["--generate-completion-script", shell])
            #expect(r.status == 0, "\(shell): \(r.stderr)")
            for sub in ["check", "rules", "verify", "schema", "init", "serve"] {
                #expect(r.stdout.contains(sub), "\(shell) lacks \(sub)")
            }
        }
    }
}

@Suite("Installation documentation")
struct InstallDocumentationTests {
    @Test("docs/install.md shows what --version prints (but the resources folder)")
    func versionExample() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/install.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```\nesfcheck "))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let shown = doc[doc.index(start.lowerBound, offsetBy: 4)..<end.lowerBound].split(separator: "\n").map(String.init)
        let printed = try run(["--version"]).stdout.split(separator: "\n").map(String.init)
        #expect(shown.dropLast() == printed.dropLast(), "\(shown) \(printed)")
        #expect(shown.last?.hasPrefix("resources: ") == true && printed.last?.hasPrefix("resources: ") == true)
    }

    @Test("the README's first command is the one Scripts/test-release.sh runs, with the installation test; .ci/run --full runs it")
    func readmeCommandInCI() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let ci = try String(contentsOf: packageRoot.appendingPathComponent(".ci/run"), encoding: .utf8)
        let release = try String(contentsOf: packageRoot.appendingPathComponent("Scripts/test-release.sh"), encoding: .utf8)
        let block = try #require(readme.range(of: "```sh\n"))
        let first = try #require(readme[block.upperBound...].split(separator: "\n").first.map(String.init))
        #expect(first == "swift build -c release --static-swift-stdlib --product esfcheck && .build/release/esfcheck check")
        #expect(release.contains("\n\(first) --deterministic > "), "\(first)")
        #expect(release.contains("\nESFCHECK_KEEP_DIST=\"$dist\" Scripts/test-install.sh\n"))
        #expect(ci.contains("\n  limited 2700 Scripts/test-release.sh\n"))
        // the README's test command is the one .ci/run runs
        #expect(readme.contains("```sh\nswift test\n```"))
        #expect(ci.contains("\nlimited 2400 swift test\n"))
        #expect(readme.contains("Scripts/install.sh [PREFIX]"))
    }
}
