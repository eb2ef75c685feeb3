import Foundation

/// The built-in packs, model files and sample fixtures that travel with the binary.
///
/// They are found relative to the executable, never through a path into the build folder, so that an
/// installed binary works wherever its prefix is: the first of these folders that holds `Rules/` is used
///
/// 1. `$ESFCHECK_RESOURCES`, when set (and then only it: a folder the user named that cannot be used
///    is an error, not a reason to look elsewhere);
/// 2. `<folder of the executable>/esfcheck_ESFResources.resources` (the SwiftPM build layout, and a
///    binary copied together with its resource bundle);
/// 3. `<folder of the executable>/../share/esfcheck` (the installed layout: `Scripts/install.sh`,
///    the release tarball);
/// 4. on macOS, `<folder of the executable>/esfcheck_ESFResources.bundle` (the SwiftPM build layout there).
///
/// The executable is `/proc/self/exe` with its symbolic links resolved (on Linux), so a symbolic link to
/// the installed binary (`~/bin/esfcheck → /opt/esfcheck/bin/esfcheck`) finds the prefix it points into.
/// `Bundle.module` is never called: on Linux it stops the process when its bundle is missing.
public enum BundledResources {
    /// The environment variable naming the resources folder (the folder holding `Rules/` and `Fixtures/`).
    public static let environmentVariable = "ESFCHECK_RESOURCES"

    /// The folder holding `Rules/` and `Fixtures/`, or the folders that were tried.
    public static let location: Result<URL, Missing> = locate(
        environment: ProcessInfo.processInfo.environment[environmentVariable],
        executable: executableURL())

    /// The folder holding the built-in rule packs and model files.
    public static var rulesDirectory: URL? { try? location.get().appendingPathComponent("Rules", isDirectory: true) }
    /// The folder holding the bundled sample exports.
    public static var fixturesDirectory: URL? { try? location.get().appendingPathComponent("Fixtures", isDirectory: true) }

    /// Why the resources could not be found: every folder tried, in order.
    public struct Missing: Error, Sendable, Equatable, CustomStringConvertible {
        /// The folders tried, each with why it was not used.
        public var tried: [String]
        /// Whether `$ESFCHECK_RESOURCES` named the folder (then nothing else was tried).
        public var fromEnvironment: Bool

        public var description: String {
            let head = fromEnvironment
                ? "the built-in packs were not found in the folder named by \(BundledResources.environmentVariable)"
                : "the built-in packs, data model and sample were not found beside the esfcheck executable (is the installation complete? see docs/install.md)"
            return head + "; tried: " + tried.joined(separator: "; ")
        }
    }

    /// Finds the resources folder from the environment override and the executable's path (see the type's
    /// documentation); a pure function of its arguments and the file system, for the tests.
    public static func locate(environment: String?, executable: URL?) -> Result<URL, Missing> {
        if let named = environment, !named.isEmpty {
            let url = URL(fileURLWithPath: named, isDirectory: true).standardizedFileURL
            if let problem = unusable(url) { return .failure(Missing(tried: ["\(url.path) (\(problem))"], fromEnvironment: true)) }
            return .success(url)
        }
        guard let executable else {
            return .failure(Missing(tried: ["(the path of the executable could not be determined)"], fromEnvironment: false))
        }
        let bin = executable.deletingLastPathComponent()
        var candidates = [
            bin.appendingPathComponent("esfcheck_ESFResources.resources", isDirectory: true),
            bin.deletingLastPathComponent().appendingPathComponent("share/esfcheck", isDirectory: true),
        ]
        #if os(macOS)
        candidates += [
            bin.appendingPathComponent("esfcheck_ESFResources.bundle/Contents/Resources", isDirectory: true),
            bin.appendingPathComponent("esfcheck_ESFResources.bundle", isDirectory: true),
        ]
        #endif
        candidates = candidates.map(\.standardizedFileURL)
        var tried: [String] = []
        for c in candidates {
            if let problem = unusable(c) { tried.append("\(c.path) (\(problem))") } else { return .success(c) }
        }
        return .failure(Missing(tried: tried, fromEnvironment: false))
    }

    /// Why `folder` cannot be the resources folder, or nil when it holds a `Rules` folder.
    static func unusable(_ folder: URL) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return "no such folder" }
        guard isDirectory.boolValue else { return "not a folder" }
        let rules = folder.appendingPathComponent("Rules").path
        guard FileManager.default.fileExists(atPath: rules, isDirectory: &isDirectory), isDirectory.boolValue else { return "no Rules folder in it" }
        return nil
    }

    /// The running executable with its symbolic links resolved.
    static func executableURL() -> URL? {
        #if os(Linux)
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        #endif
        if let url = Bundle.main.executableURL { return url.resolvingSymlinksInPath() }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
    }
}
