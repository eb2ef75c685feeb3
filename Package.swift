// swift-tools-version:6.1
import PackageDescription

/// Release builds of the modules on the per-record path skip the run-time exclusivity checks
/// (`swift_beginAccess`, about 8 % of a check's time on the 100k benchmark); debug builds, which
/// the tests run, keep them, so an overlapping access still traps there.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "esfcheck",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "esfcheck", targets: ["esfcheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // the HTTP service (esfcheck serve); without the swift-configuration trait, which the service
        // does not use (its options are the command's), to keep it out of the build
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        // Hummingbird's own logging and HTTP types packages (already in the graph), named for ESFServe
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // C shim: module map + umbrella header only; flags come from pkg-config.
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .target(name: "ESFCore", swiftSettings: hotPath),
        .target(name: "ESFExpr", dependencies: ["ESFCore"], swiftSettings: hotPath),
        .target(name: "ESFRules", dependencies: ["ESFCore", "ESFExpr", "Yams"]),
        .target(name: "ESFInputs", dependencies: ["ESFCore", "CLibXML2", .product(name: "Crypto", package: "swift-crypto"),
                                                 .product(name: "ZIPFoundation", package: "ZIPFoundation")], swiftSettings: hotPath),
        .target(name: "ESFReports", dependencies: ["ESFCore", "ESFRules", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "ESFResources",
            path: ".",
            // the package root is this target's folder, so that Rules/ and Fixtures/ travel with the
            // binary as resources; everything else there belongs to other targets or to no target
            exclude: ["Sources/CLibXML2", "Sources/ESFCore", "Sources/ESFExpr", "Sources/ESFRules", "Sources/ESFInputs",
                      "Sources/ESFReports", "Sources/ESFEngine", "Sources/ESFServe", "Sources/esfcheck", "Tests", "docs", "Benchmarks", "README.md",
                      "LICENSE", "Scripts"],
            sources: ["Sources/ESFResources"],
            resources: [.copy("Rules"), .copy("Fixtures")]
        ),
        .target(name: "ESFEngine", dependencies: ["ESFCore", "ESFExpr", "ESFRules", "ESFInputs", "ESFResources", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: hotPath),
        // the HTTP service (`esfcheck serve`): routes, limits, the check behind POST /v1/check
        .target(name: "ESFServe", dependencies: ["ESFEngine", "ESFReports", "ESFRules", "ESFInputs", "ESFCore",
                                                 .product(name: "Hummingbird", package: "hummingbird"),
                                                 .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types")]),
        .executableTarget(
            name: "esfcheck",
            dependencies: ["ESFServe", "ESFEngine", "ESFReports", "ESFRules", "ESFInputs", "ESFCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // the readers alone, for measurements (Benchmarks/run.sh measures whole runs); not a test
        .executableTarget(
            name: "esfcheck-reader-bench",
            dependencies: ["ESFEngine", "ESFRules", "ESFInputs", "ESFCore"],
            path: "Benchmarks/ReaderThroughput"
        ),
        // what several test targets share (a seeded generator); not part of the tool
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ESFExprTests", dependencies: ["ESFExpr", "ESFCore"]),
        .testTarget(name: "ESFEngineTests", dependencies: ["TestSupport", "ESFEngine", "ESFInputs", "ESFRules", "ESFCore"]),
        .testTarget(name: "ESFInputsTests", dependencies: ["TestSupport", "ESFInputs", "ESFCore", "ESFRules", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ESFRulesTests", dependencies: ["TestSupport", "ESFRules", "ESFEngine", "ESFReports", "ESFCore", "ESFInputs"]),
        // Golden/ holds expected reports (read by the tests from the source tree, not resources)
        .testTarget(name: "ESFServeTests", dependencies: ["ESFServe", "ESFEngine", "ESFRules", "ESFReports", "ESFCore",
                                                          .product(name: "Hummingbird", package: "hummingbird"),
                                                          .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types")]),
        .testTarget(name: "EndToEndTests", dependencies: ["esfcheck", "ESFReports", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Golden"]),
    ]
)
