import ESFResources
import Foundation
import Testing

@Suite("Where the resources that travel with the binary are found")
struct ResourceLocationTests {
    let fm = FileManager.default

    /// A fresh folder; `folders` are created under it.
    func tree(_ folders: [String]) throws -> URL {
        let root = fm.temporaryDirectory.appendingPathComponent("esfcheck-res-\(UUID().uuidString)")
        for f in folders { try fm.createDirectory(at: root.appendingPathComponent(f), withIntermediateDirectories: true) }
        return root
    }

    @Test("the installed layout: PREFIX/bin/esfcheck finds PREFIX/share/esfcheck")
    func installed() throws {
        let root = try tree(["bin", "share/esfcheck/Rules"])
        let found = try BundledResources.locate(environment: nil, executable: root.appendingPathComponent("bin/esfcheck")).get()
        #expect(found.path == root.appendingPathComponent("share/esfcheck").path)
    }

    @Test("the build layout (a resource bundle beside the binary) comes before PREFIX/share/esfcheck")
    func besideFirst() throws {
        let root = try tree(["bin/esfcheck_ESFResources.resources/Rules", "share/esfcheck/Rules"])
        let found = try BundledResources.locate(environment: nil, executable: root.appendingPathComponent("bin/esfcheck")).get()
        #expect(found.path == root.appendingPathComponent("bin/esfcheck_ESFResources.resources").path)
    }

    @Test("a folder without Rules/ is not the resources folder; when none is found, every folder tried is named with why")
    func missing() throws {
        let root = try tree(["bin", "share/esfcheck/Fixtures"])
        let result = BundledResources.locate(environment: nil, executable: root.appendingPathComponent("bin/esfcheck"))
        guard case .failure(let missing) = result else { Issue.record("found \(result)"); return }
        #expect(!missing.fromEnvironment)
        #expect(Array(missing.tried.prefix(2)) == [
            root.appendingPathComponent("bin/esfcheck_ESFResources.resources").path + " (no such folder)",
            root.appendingPathComponent("share/esfcheck").path + " (no Rules folder in it)",
        ])
        #expect(missing.description.contains("tried: " + missing.tried.joined(separator: "; ")))
    }

    @Test("ESFCHECK_RESOURCES wins, and one that cannot be used is an error even when the binary has resources beside it")
    func environment() throws {
        let root = try tree(["bin/esfcheck_ESFResources.resources/Rules", "mine/Rules", "empty"])
        let exe = root.appendingPathComponent("bin/esfcheck")
        #expect(try BundledResources.locate(environment: root.appendingPathComponent("mine").path, executable: exe).get().path
                == root.appendingPathComponent("mine").path)
        for bad in ["empty", "nothing-here"] {
            let result = BundledResources.locate(environment: root.appendingPathComponent(bad).path, executable: exe)
            guard case .failure(let missing) = result else { Issue.record("\(bad): found \(result)"); continue }
            #expect(missing.fromEnvironment)
            #expect(missing.tried.count == 1)
            #expect(missing.description.contains("ESFCHECK_RESOURCES"))
        }
        // empty means unset
        #expect(try BundledResources.locate(environment: "", executable: exe).get().path == root.appendingPathComponent("bin/esfcheck_ESFResources.resources").path)
    }

    @Test("the running test binary finds the build's resource bundle beside it")
    func running() throws {
        let found = try BundledResources.location.get()
        #expect(found.lastPathComponent == "esfcheck_ESFResources.resources" || ProcessInfo.processInfo.environment["ESFCHECK_RESOURCES"] != nil)
        #expect(fm.fileExists(atPath: found.appendingPathComponent("Rules/models/esf-operation-v1.yaml").path))
    }
}
