import ESFCore
import ESFRules
import Foundation

/// The real model, `Rules/models/esf-operation-v1.yaml`, loaded by the project's own model loader.
enum ModelFile {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let esfOperation: DataModel = {
        let sink = DiagnosticSink()
        let file = path("Rules/models/esf-operation-v1.yaml")
        guard let model = ModelLoader.load(path: file, displayPath: file, sink: sink), sink.isEmpty else {
            preconditionFailure("the model file does not load: \(sink.diagnostics)")
        }
        return model
    }()
}
