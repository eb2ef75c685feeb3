import ESFCore
import ESFEngine
import ESFRules
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// What `POST /v1/check` does: stores the upload in a private folder, runs the same check as
/// `esfcheck check` (the same `CheckRequest`, so every fail-closed rule holds) with the packs loaded at
/// start-up, and answers with the report in the negotiated format, or a problem document.
public final class CheckService: Sendable {
    public let packs: LoadedPacks
    public let limits: ServeLimits
    /// Where each request's private folder is made (the system's temporary folder by default).
    public let temporaryRoot: String
    let gate: CheckGate
    /// Folders of the server's own files (its config, its rules folders, its packs), longest first: a
    /// report or diagnostic names their files as `(server) name`, never by the server's path.
    let serverFolders: [String]
    /// The requests to `POST /v1/check` being served now (uploading, waiting for a slot or checking):
    /// at most `maxConcurrentChecks + queueLength`, so uploads in flight cannot fill the disk.
    private let inFlight = Mutex(0)
    /// How many requests to `POST /v1/check` are being served now.
    var requestsInFlight: Int { inFlight.withLock { $0 } }

    public init(packs: LoadedPacks, limits: ServeLimits = ServeLimits(), temporaryRoot: String = NSTemporaryDirectory()) {
        self.packs = packs
        self.limits = limits
        self.temporaryRoot = temporaryRoot
        gate = CheckGate(slots: limits.maxConcurrentChecks, queueLength: limits.queueLength)
        var folders = packs.rulePaths + packs.available.filter { !Checker.isBuiltin($0) }.map(\.directory)
        if let file = packs.config?.file { folders.append((file as NSString).deletingLastPathComponent) }
        let absolute = folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.filter { $0 != "/" && !$0.isEmpty }
        serverFolders = Set(absolute).sorted { $0.count > $1.count }
    }

    /// `text` with no server path in it: the upload's files by their names, the server's own files as
    /// `(server) name`, files below the working folder by their relative path.
    func scrubbed(_ text: String, upload root: String) -> String {
        var t = text.replacingOccurrences(of: root + "/", with: "").replacingOccurrences(of: root, with: "upload")
        for folder in serverFolders { t = t.replacingOccurrences(of: folder + "/", with: "(server) ") }
        for root in Checker.bundledRoots { t = t.replacingOccurrences(of: root, with: "(bundled) ") }
        return t.replacingOccurrences(of: FileManager.default.currentDirectoryPath + "/", with: "")
    }

    /// The query parameters of `POST /v1/check`.
    static let checkParameters: Set<String> = ["pack", "fail-on", "lang"]

    /// Answers `POST /v1/check`.
    public func check(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        let deadline = started.advanced(by: .seconds(limits.timeoutSeconds))
        var language = Language.en
        do throws(Problem) {
            let query = try QueryParameters(request.uri.query, known: Self.checkParameters, repeatable: ["pack"])
            language = try Self.language(query, request.headers)
            let format = ReportFormat.negotiate(request.headers[.accept])
            var options = try checkRequest(query, language: language)
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.maxUploadBytes {
                throw Problem.tooLarge(limits.maxUploadBytes)
            }
            try admit()
            defer { inFlight.withLock { $0 -= 1 } }
            let upload = try UploadFolder(under: temporaryRoot)
            defer { upload.remove() }
            options.inputs = [try await receive(request, into: upload, until: deadline)]
            return try await response(options, format: format, upload: upload, until: deadline)
        } catch {
            return error.response
        }
    }

    /// Takes one of the `maxConcurrentChecks + queueLength` places of requests being served, or refuses
    /// the request at once (503, its body not read).
    func admit() throws(Problem) {
        let places = limits.maxConcurrentChecks + limits.queueLength
        let taken = inFlight.withLock { n -> Bool in
            guard n < places else { return false }
            n += 1
            return true
        }
        guard taken else { throw Problem.busy(limits) }
    }

    /// The upload stored within the deadline: a body still arriving when it passes is 503 (timed out),
    /// however slowly it trickles in.
    func receive(_ request: Request, into upload: UploadFolder, until deadline: ContinuousClock.Instant) async throws(Problem) -> String {
        let first: Result<String, Problem>? = await withTaskGroup(of: Result<String, Problem>?.self) { group in
            group.addTask {
                do throws(Problem) { return .success(try await self.receive(request, into: upload)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let first else { throw Problem.timedOut(limits.timeoutSeconds) }
        return try first.get()
    }

    /// The report language: `lang=` (en or sl), else the `Accept-Language` header's.
    static func language(_ query: QueryParameters, _ headers: HTTPFields) throws(Problem) -> Language {
        if let lang = query.value("lang") {
            guard let l = Language(rawValue: lang) else { throw .badRequest("lang must be en or sl, not '\(QueryParameters.shown(Substring(lang)))'") }
            return l
        }
        return Language.negotiate(headers[.acceptLanguage])
    }

    /// The check the CLI would run for these options, with the server's config and packs.
    func checkRequest(_ query: QueryParameters, language: Language) throws(Problem) -> CheckRequest {
        var request = CheckRequest()
        request.language = language
        request.config = packs.config
        request.configGiven = packs.config != nil
        request.packs = query.values("pack")
        for id in request.packs where !packs.available.contains(where: { $0.id == id }) {
            throw .badRequest("unknown pack '\(QueryParameters.shown(Substring(id)))'\(Nearest.hint(id, in: packs.available.map(\.id))); GET /v1/packs lists the packs")
        }
        var failOn = "error"
        request.failOnSource = "default"
        if let f = packs.config?.failOn {
            failOn = f
            request.failOnSource = "config"
        }
        if let f = query.value("fail-on") {
            failOn = f
            request.failOnSource = "command line"
        }
        switch failOn {
        case "never": request.failOn = nil
        default:
            guard let severity = Severity(rawValue: failOn), ["error", "review", "warning", "info"].contains(failOn) else {
                throw .badRequest("fail-on must be error, review, warning, info or never, not '\(QueryParameters.shown(Substring(failOn)))'")
            }
            request.failOn = severity
        }
        return request
    }

    /// Stores the body in the upload folder: an XML export as `export.xml`, or the files of a multipart
    /// upload by their names (CSV files in `bundle/`); the input path to check.
    func receive(_ request: Request, into upload: UploadFolder) async throws(Problem) -> String {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case "application/xml", "text/xml":
            return try await upload.receive(request.body, as: "export.xml", limit: limits.maxUploadBytes)
        case "multipart/form-data":
            let boundary = try Multipart.boundary(contentType: contentType)
            let body = try await upload.receive(request.body, as: ".body", limit: limits.maxUploadBytes)
            defer { unlink(body) }
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: body), options: .alwaysMapped) } catch {
                throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not read the upload back")
            }
            return try store(Multipart.parts(of: data, boundary: boundary, maxParts: limits.maxFiles), of: data, in: upload)
        default:
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                          detail: "send an XML export as application/xml (or text/xml), or files as multipart/form-data in the field 'file'"
                              + (mediaType.isEmpty ? " (the request has no Content-Type)" : " (not \(QueryParameters.shown(Substring(mediaType))))"))
        }
    }

    /// Writes the parts of a multipart upload: one file that is not CSV is the export (XML, or an Excel
    /// workbook by its `.xlsx` name); CSV files are the files of one bundle. Names are checked, and the
    /// same name twice (in any case) is refused.
    func store(_ parts: [Multipart.Part], of data: Data, in upload: UploadFolder) throws(Problem) -> String {
        var seen: Set<String> = []
        for part in parts {
            let name = try UploadName.check(part.filename)
            guard seen.insert(name.lowercased()).inserted else {
                throw .badRequest("the upload holds two files named '\(QueryParameters.shown(Substring(name)))'")
            }
        }
        let csv = parts.filter { $0.filename.lowercased().hasSuffix(".csv") }
        if csv.isEmpty {
            guard parts.count == 1, let part = parts.first else {
                throw .badRequest("upload one export file (XML or .xlsx), or the CSV files of one bundle; this upload holds \(parts.count) files that are not CSV")
            }
            return try upload.store(data[part.range], as: part.filename)
        }
        guard csv.count == parts.count else {
            throw .badRequest("upload either one export file or the CSV files of one bundle, not both")
        }
        let folder = try upload.folder("bundle")
        for part in parts { _ = try upload.store(data[part.range], as: "bundle/\(part.filename)") }
        return folder
    }

    /// Runs the check in a slot of the gate, on a thread of its own, within the deadline, and answers
    /// with its report rendered in `format` (rendered on that thread too: a large HTML report is work
    /// of the slot, not of the server's event loops).
    func response(_ request: CheckRequest, format: ReportFormat, upload: UploadFolder,
                  until deadline: ContinuousClock.Instant) async throws(Problem) -> Response {
        guard deadline > .now else { throw Problem.timedOut(limits.timeoutSeconds) }
        switch await gate.acquire(until: deadline) {
        case .admitted: break
        case .queueFull: throw Problem.busy(limits)
        case .timedOut: throw Problem.timedOut(limits.timeoutSeconds)
        }
        let packs = self.packs
        let gate = self.gate
        let root = upload.path
        let once = Once()
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { once.resume(.timedOut) }
        }
        defer { timer.cancel() }
        // the slot is held until the check's thread ends, also after a time-out (its work goes on
        // until it ends, and must not pile up); its upload folder is removed meanwhile. A thread of
        // its own (the gate bounds how many): the check never waits for a pool's free thread
        let thread = Thread {
            let result: Result<Rendered, CheckError> = Checker.$displayRoot.withValue(root) {
                do throws(CheckError) {
                    let report = try Checker.run(request, packs: packs).report
                    // the report names the uploaded files by their names (Checker.displayRoot); the
                    // folder's path must not appear anywhere else either
                    return .success(Rendered(verdict: report.verdict, language: report.language,
                                             text: self.scrubbed(format.render(report), upload: root)))
                } catch { return .failure(error) }
            }
            gate.release()
            once.resume(.finished(result))
        }
        thread.name = "esfcheck-check"
        // as much stack as the command's main thread: deep rule expressions and XML nesting
        thread.stackSize = 8 << 20
        thread.start()
        let outcome = await withCheckedContinuation { once.attach($0) }
        switch outcome {
        case .timedOut: throw Problem.timedOut(limits.timeoutSeconds)
        case .finished(.success(let rendered)): return rendered.response(format)
        case .finished(.failure(let error)): throw Problem.check(error, language: request.language, upload: root, scrub: { self.scrubbed($0, upload: root) })
        }
    }

    /// A report rendered for the answer.
    struct Rendered: Sendable {
        var verdict: Verdict
        var language: Language
        var text: String

        /// The report as the answer: 200 for accept and review, 406 for reject (the body says which).
        func response(_ format: ReportFormat) -> Response {
            var headers: HTTPFields = [:]
            headers[.contentType] = format.mediaType
            headers[.contentLanguage] = language.rawValue
            headers[.vary] = "Accept, Accept-Language"
            if let name = HTTPField.Name("Esfcheck-Verdict") { headers[name] = verdict.rawValue }
            return Response(status: verdict == .reject ? .notAcceptable : .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }

    enum Outcome: Sendable {
        case finished(Result<Rendered, CheckError>)
        case timedOut
    }

    /// The first outcome of the check and the timer, handed to the waiting request once (whether it
    /// comes before or after the request starts waiting); the second is dropped.
    final class Once: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Outcome, Never>?
            var outcome: Outcome?
            var delivered = false
        }
        private let state = Mutex(State())

        func attach(_ continuation: CheckedContinuation<Outcome, Never>) {
            let ready: Outcome? = state.withLock { s in
                guard let o = s.outcome else {
                    s.continuation = continuation
                    return nil
                }
                s.delivered = true
                return o
            }
            if let ready { continuation.resume(returning: ready) }
        }

        func resume(_ outcome: Outcome) {
            let waiting: CheckedContinuation<Outcome, Never>? = state.withLock { s in
                guard s.outcome == nil, !s.delivered else { return nil }
                s.outcome = outcome
                guard let c = s.continuation else { return nil }
                s.continuation = nil
                s.delivered = true
                return c
            }
            waiting?.resume(returning: outcome)
        }
    }
}

extension Problem {
    /// Every place for a request is taken: 503 at once.
    static func busy(_ limits: ServeLimits) -> Problem {
        var p = Problem(.serviceUnavailable, "busy", "Server busy",
                        detail: "\(limits.maxConcurrentChecks) checks are running and \(limits.queueLength) waiting; try again shortly")
        p.headers[.retryAfter] = "5"
        return p
    }

    static func timedOut(_ seconds: Int) -> Problem {
        var p = Problem(.serviceUnavailable, "timeout", "Check timed out", detail: "the check did not finish within this server's limit of \(seconds) seconds")
        p.headers[.retryAfter] = "30"
        return p
    }

    /// A check that could not run: 422 for an input that cannot be read (the CLI's exit 3), 400 for
    /// options that cannot be used (exit 2: no pack matches the export, packs and config that do not fit);
    /// the diagnostics as the CLI's error document has them, files named as uploaded, no server path.
    static func check(_ error: CheckError, language: Language, upload root: String, scrub clean: (String) -> String) -> Problem {
        let items = ErrorDocument.items(error).map { item in
            // a file of the upload by its name; a file of the server (config, rules) by no path at all
            let file = item.file.flatMap { f -> String? in
                if f.hasPrefix(root + "/") { return String(f.dropFirst(root.count + 1)) }
                return f.hasPrefix("(bundled) ") ? f : nil
            }
            return Item(code: item.code, message: clean(DiagnosticWords.translated(item.message, language)), file: file,
                        line: file == nil ? nil : item.line, column: file == nil ? nil : item.column)
        }
        var p: Problem
        switch error.exitCode {
        case 3:
            p = Problem(.unprocessableContent, "input-unreadable", "Input unreadable",
                        detail: "the upload could not be read as an export; the diagnostics say where and why")
        default:
            p = Problem(.badRequest, "check-refused", "Check refused",
                        detail: "the check cannot run with these options; the diagnostics say why")
        }
        p.diagnostics = items
        return p
    }
}
