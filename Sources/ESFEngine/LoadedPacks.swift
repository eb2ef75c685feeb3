import ESFCore
import ESFRules
import Foundation
import Synchronization

/// The packs of a long-running process (`esfcheck serve`), found, validated and compiled once, then
/// reused by every check: `Checker.run(_:packs:)` takes them instead of reading the rules folders again.
///
/// At start-up every available pack (built-in, and the config's and the given rules paths') is compiled
/// on its own, so a broken pack stops the start (exit 2, every problem listed) rather than a request;
/// the config, when there is one, is checked as `check` checks it. The rule set of the packs a run uses
/// (with the config's overrides) is compiled on its first use and kept: there are as many as distinct
/// pack choices, a handful.
public final class LoadedPacks: Sendable {
    /// The project configuration the checks run with (the server's `--config`), if any.
    public let config: ProjectConfig?
    /// The rules paths in force: the config's, then those given.
    public let rulePaths: [String]
    /// Where the config wrote each of its rules paths.
    public let rulePathOrigins: [String: RuleSetting]
    /// Every available pack: the user packs, then the built-in packs no user pack replaces.
    public let available: [PackHeader]
    /// The data model of the available packs (inputs are read with it to choose packs).
    public let model: DataModel
    /// Each available pack compiled alone, without the config (what `esfcheck rules show` shows), by id.
    public let compiled: [String: Pack]
    /// Each pack's hash (over its files' relative paths and contents), by id, computed once.
    let hashes: [String: String]
    /// The config's waiver file read once at start-up (nil: the config names none): its waivers and its
    /// hash. A check neither reads it again nor sees it change while the server runs.
    public let waiverFile: (path: String, waivers: [Waiver], sha256: String)?
    /// Rule sets by the ids of their packs, in order, compiled with the config on first use.
    private let ruleSets = Mutex<[[String]: RuleSet]>([:])

    /// Finds and compiles every available pack; exit 2 (`CheckError`) with every problem, as `check`.
    public init(config: ProjectConfig?, rulePaths: [String] = []) throws(CheckError) {
        try Checker.requireResources()
        self.config = config
        var paths = rulePaths
        var origins: [String: RuleSetting] = [:]
        if let config {
            paths = config.rules + rulePaths
            for o in config.rulesAt { origins[o.ruleID] = o }
            try Checker.checkConfig(config, rulePaths: paths, origins: origins)
        }
        self.rulePaths = paths
        self.rulePathOrigins = origins
        let available = try Checker.availablePacks(rulePaths: paths, origins: origins)
        guard !available.isEmpty else { throw .usage("no rule packs found") }
        self.available = available
        self.model = try Checker.loadModel(rulePaths: paths, origins: origins)
        var compiled: [String: Pack] = [:]
        var hashes: [String: String] = [:]
        for header in available {
            let set = try Checker.loadRuleSet([header], rulePaths: paths)
            for pack in set.packs where pack.id == header.id {
                compiled[pack.id] = pack
                hashes[pack.id] = Checker.sha256(files: pack.files, relativeTo: pack.directory)
            }
        }
        self.compiled = compiled
        self.hashes = hashes
        // the waiver file: read and checked now (every problem at its line, exit 2), so that a broken
        // one stops the start rather than failing every check; its rule ids are checked against the
        // packs each check uses, as `check` checks them
        if let path = config?.waivers {
            let known = Set(compiled.values.flatMap { $0.rules.map(\.id) })
            let waivers = try Checker.readWaivers(path, known: known)
            waiverFile = (path, waivers, Checker.sha256(file: path))
        } else {
            waiverFile = nil
        }
        // the config's own choice of packs is what most runs use: compiled now, so that a config that
        // does not fit its packs stops the start
        if let ids = config?.packs, !ids.isEmpty {
            let chosen = ids.compactMap { id in available.first { $0.id == id } }
            _ = try ruleSet(for: chosen)
        }
    }

    /// The rule set of the given packs (in this order) with the config's overrides: compiled on its first
    /// use, then reused; exit 2 with every problem when the packs and the config do not fit together.
    public func ruleSet(for packs: [PackHeader]) throws(CheckError) -> RuleSet {
        let key = packs.map(\.id)
        if let set = ruleSets.withLock({ $0[key] }) { return set }
        let set = try Checker.loadRuleSet(packs, rulePaths: rulePaths, config: config)
        ruleSets.withLock { $0[key] = set }
        return set
    }

    /// A pack's hash as the report gives it (computed once at start-up).
    public func hash(of pack: Pack) -> String? { hashes[pack.id] }
}
