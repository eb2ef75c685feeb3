import ESFCore
import ESFInputs
import ESFRules
import Foundation

/// Why an input given without a mapping profile cannot be read as given: it is written in another
/// layout. Says what was found, and which shipped profile reads it (with the command to run) or,
/// when none does, what does not match. An input error (exit 3): the input is unreadable as given.
public struct LayoutDiagnosis: Sendable, Hashable, Encodable {
    /// `xml` or `csv`.
    public var format: String
    /// XML: the root element found, and its namespace.
    public var rootElement: String?
    public var namespace: String?
    /// XML: the elements found directly inside the root; CSV: the `.csv` files found in the folder.
    public var found: [String]
    /// The shipped profile that reads the input, and the command that reads it with it.
    public var profile: String?
    public var command: String?
    /// When no shipped profile reads it: what does not match, one line per point.
    public var unmatched: [String]
    /// The whole diagnosis as one message (not encoded: it is the diagnostic's message).
    public var message: String
    /// The path the diagnosis is about (the diagnostic's file).
    public var file: String

    enum CodingKeys: String, CodingKey { case format, rootElement, namespace, found, profile, command, unmatched }
}

extension Checker {
    /// The shipped mapping profiles (not the canonical one) of `format`, loaded against `model`.
    static func shippedProfiles(_ format: MappingProfile.Format, model: DataModel) -> [MappingProfile] {
        guard let dir = builtinRulesDirectory else { return [] }
        return ProfileLoader.shippedProfiles(rulesDirectory: dir).compactMap { path in
            let sink = DiagnosticSink()
            guard let p = ProfileLoader.load(path: path, displayPath: displayPath(path), model: model, sink: sink), sink.isEmpty,
                  p.format == format, p.id != "canonical" else { return nil }
            return p
        }
    }

    /// `esfcheck check PATH --profile ID`, the path quoted for a POSIX shell when it needs it.
    static func profileCommand(_ path: String, _ profile: String) -> String {
        let plain = path.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || "/._-+,:=@%".unicodeScalars.contains($0) }
        let shown = plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return "esfcheck check \(shown) --profile \(profile)"
    }

    static func quotedList(_ names: [String], limit: Int = 12) -> String {
        let shown = names.prefix(limit).map { "'\(InvisibleCharacters.escaped($0))'" }.joined(separator: ", ")
        return names.count > limit ? shown + " and \(names.count - limit) more" : shown
    }

    static func namespaceText(_ ns: String?) -> String { ns.map { "namespace '\(InvisibleCharacters.escaped($0))'" } ?? "no namespace" }

    /// An XML file given without a profile whose root element is not the canonical one: what it is,
    /// and which shipped profile reads it. Nil when the root is the canonical one (or none can be read:
    /// the reader says why).
    static func xmlLayoutDiagnosis(_ path: String, model: DataModel) -> LayoutDiagnosis? {
        let expected = XMLRecordSource.expectedLayout(model: model, profile: nil)
        // the root's start tag first: a canonical export is not read further here
        guard let root = XMLRecordSource.layout(of: path, children: false), root.root != expected.root,
              let found = XMLRecordSource.layout(of: path) else { return nil }
        var what = "the root element is '\(InvisibleCharacters.escaped(found.root))' in \(namespaceText(found.namespace))"
        if !found.children.isEmpty { what += ", holding \(quotedList(found.children))" }
        let canonical = "a canonical XML export has the root element '\(expected.root)' in \(namespaceText(expected.namespace))"
        let e = InvisibleCharacters.escaped
        var diagnosis = LayoutDiagnosis(format: "xml", rootElement: e(found.root), namespace: found.namespace.map(e), found: found.children.map(e),
                                        unmatched: [], message: "", file: path)
        let profiles = shippedProfiles(.xml, model: model)
        if let match = profiles.first(where: { p in
            let layout = XMLRecordSource.expectedLayout(model: model, profile: p)
            return layout.root == found.root && layout.namespace == found.namespace
        }) {
            diagnosis.profile = match.id
            diagnosis.command = profileCommand(path, match.id)
            diagnosis.message = "\(what): an export in another layout (\(canonical)). The shipped profile \(match.id) (\(match.title)) reads this layout: \(diagnosis.command ?? "")"
            return diagnosis
        }
        diagnosis.unmatched.append("root element '\(e(found.root))' in \(namespaceText(found.namespace)), not '\(expected.root)' in \(namespaceText(expected.namespace))")
        let unknown = found.children.filter { !expected.children.contains($0) }
        if !unknown.isEmpty { diagnosis.unmatched.append("elements the canonical root does not hold: \(quotedList(unknown))") }
        let absent = expected.children.filter { !found.children.contains($0) }
        if !absent.isEmpty { diagnosis.unmatched.append("canonical elements not found: \(quotedList(absent))") }
        for p in profiles {
            let layout = XMLRecordSource.expectedLayout(model: model, profile: p)
            diagnosis.unmatched.append("profile \(p.id) reads the root element '\(layout.root)' in \(namespaceText(layout.namespace))")
        }
        diagnosis.message = "\(what): not the canonical layout, and no shipped profile reads it. What does not match: "
            + diagnosis.unmatched.joined(separator: "; ")
            + ". Write a mapping profile for this layout (format: xml) and give it with --profile FILE"
        return diagnosis
    }

    /// A folder given as a CSV bundle without a profile that lacks the canonical root file
    /// (`operation.csv`): the files it holds, and which shipped profile reads them. Nil when the
    /// root file is there (the reader then says what else is wrong).
    static func csvLayoutDiagnosis(_ directory: String, input: String, model: DataModel) -> LayoutDiagnosis? {
        guard let rootFile = model.entities[model.root].csvFile else { return nil }
        let rootPath = directory.hasSuffix("/") ? directory + rootFile : directory + "/" + rootFile
        guard InputFile.kind(rootPath) == .missing else { return nil }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.lowercased().hasSuffix(".csv") }.sorted()
        let canonicalFiles = model.entities.compactMap(\.csvFile)
        let what = files.isEmpty ? "the folder holds no .csv file" : "the folder holds \(quotedList(files, limit: 20)) and no \(rootFile)"
        var diagnosis = LayoutDiagnosis(format: "csv", found: files.map(InvisibleCharacters.escaped), unmatched: [], message: "", file: directory)
        let fits = shippedProfiles(.csv, model: model).map { p in
            (profile: p, fit: CSVBundleRecordSource(directory: directory, model: model, profile: p).layoutFit())
        }
        if let match = fits.first(where: { $0.fit.fits }) {
            diagnosis.profile = match.profile.id
            diagnosis.command = profileCommand(input, match.profile.id)
            diagnosis.message = "\(what): a CSV export in another layout (a canonical bundle has \(quotedList(canonicalFiles))). The shipped profile \(match.profile.id) (\(match.profile.title)) reads this layout, its files and headers are all there: \(diagnosis.command ?? "")"
            return diagnosis
        }
        // a canonical bundle that lacks only its root file is incomplete, not in another layout: the reader says so
        if files.contains(where: canonicalFiles.contains) { return nil }
        let unknown = files.filter { !canonicalFiles.contains($0) }
        if !unknown.isEmpty { diagnosis.unmatched.append("files the canonical bundle does not have: \(quotedList(unknown, limit: 20))") }
        diagnosis.unmatched.append("canonical files not found: \(quotedList(canonicalFiles.filter { !files.contains($0) }))")
        // the closest shipped profile: the one with the most of its files present
        if let closest = fits.filter({ !$0.fit.presentFiles.isEmpty }).max(by: { $0.fit.presentFiles.count < $1.fit.presentFiles.count }) {
            var gaps: [String] = []
            let missingFiles = closest.fit.missingFiles
            if !missingFiles.isEmpty {
                gaps.append(missingFiles.count == 1 ? "its file \(quotedList(missingFiles)) is missing" : "its files \(quotedList(missingFiles)) are missing")
            }
            for (file, headers) in closest.fit.missingHeaders.sorted(by: { $0.key < $1.key }) {
                var gap = "\(file) lacks \(headers.count == 1 ? "the header" : "the headers") \(quotedList(headers))"
                if let other = closest.fit.unboundHeaders[file], !other.isEmpty {
                    gap += " (headers it has that the profile does not bind: \(quotedList(other)))"
                } else if let cells = closest.fit.unrecognisedHeaderRows[file] {
                    gap += " (none of the \(counted(cells, "cell")) of its first row is a header the profile binds; not listed, as the row may be data)"
                }
                gaps.append(gap)
            }
            for (file, why) in closest.fit.unreadable.sorted(by: { $0.key < $1.key }) {
                gaps.append("\(file) cannot be read as it says (\(InvisibleCharacters.escaped(why)))")
            }
            diagnosis.unmatched.append("the closest shipped profile, \(closest.profile.id), does not fit: " + gaps.joined(separator: "; "))
        }
        diagnosis.message = "\(what): not a canonical CSV bundle, and no shipped profile reads it. "
            + diagnosis.unmatched.joined(separator: "; ")
            + ". Write a mapping profile for this layout (format: csv) and give it with --profile FILE"
        return diagnosis
    }
}
