/// The limits of `esfcheck serve` (docs/api.md, "Limits"): each an option of the command, with these defaults.
public struct ServeLimits: Sendable, Equatable {
    /// The largest request body in bytes (an XML export, or every part of a multipart upload together);
    /// a larger one is refused with 413 before it is read to the end.
    public var maxUploadBytes = 64 << 20
    /// How long a check may take, waiting for a slot included, in seconds; past it the answer is 503.
    public var timeoutSeconds = 60
    /// How many checks run at once.
    public var maxConcurrentChecks = 2
    /// How many checks may wait for a slot; one more gets 503 at once.
    public var queueLength = 16
    /// The most files a multipart upload may hold.
    public var maxFiles = 32

    /// Seconds a connection may send nothing before it is closed (between requests, or within one's
    /// head or body); a connection waiting for its answer is never closed for this.
    public static let idleSeconds = 30

    public init() {}

    /// What is wrong with the limits, for the command's usage error (exit 2); nil when they can be used.
    public var problem: String? {
        if maxUploadBytes < 1 { return "--max-upload-bytes must be at least 1" }
        if timeoutSeconds < 1 { return "--timeout-seconds must be at least 1" }
        if timeoutSeconds > 86_400 { return "--timeout-seconds must be at most 86400 (a day)" }
        if maxConcurrentChecks < 1 { return "--max-concurrent-checks must be at least 1" }
        if queueLength < 0 { return "--queue must be at least 0" }
        if maxFiles < 1 { return "--max-files must be at least 1" }
        return nil
    }
}
