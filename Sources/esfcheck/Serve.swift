import ArgumentParser
import ESFEngine
import ESFServe
import Foundation
import Synchronization

/// `esfcheck serve`: the HTTP service (docs/api.md).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service: POST /v1/check, GET /v1/packs, GET /v1/rules/{id}, GET /health (docs/api.md).",
        discussion: """
        The packs are loaded once at start-up; a broken pack or config stops the start with exit code 2, as
        would a bad option or an address that cannot be bound. The service runs until SIGINT or SIGTERM and
        logs one line per request on standard error. --port 0 asks the system for a free port; the line
        "listening on http://HOST:PORT" on standard error names it.
        """
    )

    @Option(help: "The address to listen on (127.0.0.1: this machine only).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: a free port, printed at start-up).")
    var port = 8080

    @Option(help: "The project configuration the checks run with (default: esfcheck.yaml in the working directory, when present).")
    var config: String?

    @Flag(name: .customLong("no-config"), help: "Ignore esfcheck.yaml in the working directory.")
    var noConfig = false

    @Option(name: .customLong("rules"), help: "A folder with a user rule pack, or a folder of packs (repeatable).")
    var rules: [String] = []

    @Option(name: .customLong("max-upload-bytes"), help: "The largest request body in bytes (default 67108864, 64 MiB); a larger one gets 413.")
    var maxUploadBytes = ServeLimits().maxUploadBytes

    @Option(name: .customLong("timeout-seconds"), help: "How long a check may take, waiting for a slot included (default 60); past it the answer is 503.")
    var timeoutSeconds = ServeLimits().timeoutSeconds

    @Option(name: .customLong("max-concurrent-checks"), help: "How many checks run at once (default 2).")
    var maxConcurrentChecks = ServeLimits().maxConcurrentChecks

    @Option(name: .customLong("queue"), help: "How many more checks may wait for a slot (default 16); one more gets 503 at once.")
    var queue = ServeLimits().queueLength

    @Option(name: .customLong("max-files"), help: "The most files one multipart upload may hold (default 32).")
    var maxFiles = ServeLimits().maxFiles

    var limits: ServeLimits {
        var l = ServeLimits()
        l.maxUploadBytes = maxUploadBytes
        l.timeoutSeconds = timeoutSeconds
        l.maxConcurrentChecks = maxConcurrentChecks
        l.queueLength = queue
        l.maxFiles = maxFiles
        return l
    }

    func validate() throws {
        if let problem = limits.problem { throw ValidationError(problem) }
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if host.isEmpty { throw ValidationError("--host must not be empty") }
        if noConfig && config != nil { throw ValidationError("--no-config and --config exclude each other") }
    }

    func run() throws {
        let packs: LoadedPacks
        do {
            let config = noConfig ? nil : try Checker.loadConfig(path: config)
            packs = try LoadedPacks(config: config, rulePaths: rules)
        } catch { throw fail(error) }
        let server = Server(host: host, port: port, service: CheckService(packs: packs, limits: limits))
        let count = packs.available.count
        let limits = self.limits
        let failure = Failure()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { host, port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    printError("esfcheck serve: listening on http://\(shown):\(port) (\(count) packs; at most \(limits.maxConcurrentChecks) checks at once, \(limits.queueLength) waiting, \(limits.maxUploadBytes) bytes an upload, \(limits.timeoutSeconds) s a check)")
                }
            } catch {
                failure.reason.withLock { $0 = "\(error)" }
            }
            done.signal()
        }
        done.wait()
        if let reason = failure.reason.withLock({ $0 }) {
            throw fail(.usage("cannot serve on \(host):\(port): \(reason)"))
        }
    }
}

/// Why the server stopped, when it stopped on an error (set by its task, read once it ends).
final class Failure: Sendable {
    let reason = Mutex<String?>(nil)
}
