import ESFCore
import ESFEngine
import Foundation
import Hummingbird

/// An error answer: an RFC 9457 problem document (`application/problem+json`) with the status, a short
/// title, what went wrong in words (`detail`) and, for a check that could not run, the diagnostics of
/// the CLI's error document. Never a stack trace or a server path.
public struct Problem: Error, Sendable {
    /// One diagnostic: the error document's item (docs/api.md, "Errors").
    public struct Item: Encodable, Sendable {
        public var code: String
        public var message: String
        public var file: String?
        public var line: Int?
        public var column: Int?
    }

    public var status: HTTPResponse.Status
    /// A stable name of the kind of problem (`input-unreadable`); the document's `type` is `urn:esfcheck:problem:NAME`.
    public var kind: String
    public var title: String
    public var detail: String
    public var diagnostics: [Item] = []
    /// Extra response headers (`Retry-After`, `Allow`).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ kind: String, _ title: String, detail: String) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "bad-request", "Bad request", detail: detail) }

    struct Document: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var diagnostics: [Item]?
    }

    /// The problem as a response.
    public var response: Response {
        let doc = Document(type: "urn:esfcheck:problem:\(kind)", title: title, status: status.code, detail: detail,
                           diagnostics: diagnostics.isEmpty ? nil : diagnostics)
        let text = StableJSON.text(doc) ?? "{\"title\": \"error\"}"
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
