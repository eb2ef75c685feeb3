import ESFEngine
import Foundation
import Hummingbird
import Logging

/// `esfcheck serve`: the HTTP service on one address, with packs loaded once at start-up.
public struct Server: Sendable {
    public var host: String
    public var port: Int
    public let service: CheckService

    public init(host: String, port: Int, service: CheckService) {
        self.host = host
        self.port = port
        self.service = service
    }

    /// Runs until SIGINT or SIGTERM. `onListening` is told the address once the port is bound (the real
    /// port when 0 asked the system for a free one).
    public func run(onListening: @escaping @Sendable (String, Int) -> Void) async throws {
        var logger = Logger(label: "esfcheck.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        let host = self.host
        let app = Application(
            router: Routes.router(service),
            // a connection that sends nothing for this long (between requests, or in the middle of one's
            // head or body) is closed; one waiting for its answer is not
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(ServeLimits.idleSeconds)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "esfcheck/\(esfcheckVersion)"),
            onServerRunning: { channel in onListening(host, channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.runService()
    }
}
