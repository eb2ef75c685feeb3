import Foundation

/// The built-in packs, model files and sample fixtures that travel with the binary.
public enum BundledResources {
    /// The folder holding the built-in rule packs and model files.
    public static var rulesDirectory: URL? { Bundle.module.url(forResource: "Rules", withExtension: nil) }
    /// The folder holding the bundled sample exports.
    public static var fixturesDirectory: URL? { Bundle.module.url(forResource: "Fixtures", withExtension: nil) }
}
