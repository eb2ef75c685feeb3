/// What a reader reports while streaming an input.
public enum InputEvent: Sendable {
    /// A record, with the implicit parent-id field (`participant_id`) already set on nested records.
    case record(Record)
    /// All nested records of the most recent record of a root-child entity (an XML
    /// `participant` element closed) have been delivered. CSV bundles never send it.
    case groupEnd
    /// A problem found while reading (unparseable value, unknown attribute, ragged row):
    /// always a `fatal` finding with its location (ESFCHECK-IN-001, ESFCHECK-XSD-001, …). Boxed: a
    /// problem is rare and larger than a record, and every event would otherwise take its size (288
    /// bytes instead of a record's 200, in every batch of a two-thread run).
    indirect case problem(InputProblem)
    /// A record that could not be used at all (ragged row): counted as rejected.
    case rejected(entity: Int, location: SourceLocation)
}

/// A problem found by a reader: becomes a `fatal` finding.
public struct InputProblem: Sendable, Hashable {
    /// What it says, a case of the catalogue of reserved messages.
    public var reason: ReservedMessage
    /// Its kind in the catalogue of reserved findings (id, title, help).
    public var kind: ReservedFinding { reason.kind }
    public var ruleID: String { kind.id }
    public var message: String { reason.text }
    public var location: SourceLocation
    /// The entity of the record concerned, when known.
    public var entity: Int?
    /// The key of the record concerned, when known.
    public var recordKey: String?
    /// Texts of input quoted in `message` (`'…'`) that may be personal data: the engine masks
    /// each quoted occurrence, and a record key equal to one, unless personal data is shown.
    public var personalText: [String]
    public init(_ reason: ReservedMessage, location: SourceLocation, entity: Int? = nil, recordKey: String? = nil,
                personalText: [String] = []) {
        self.reason = reason
        self.location = location
        self.entity = entity
        self.recordKey = recordKey
        self.personalText = personalText
    }
}

/// Where a reader sends its events, in order. Each event is handed over (consumed), so that a receiver
/// that keeps it (a batch of the reading thread) takes it without a copy: a copy retains every value,
/// string and array the record holds, and the reader's own reference is then released.
public typealias EventSink = (consuming InputEvent) throws -> Void

/// A streaming reader of one input (an XML file or a CSV bundle).
public protocol RecordSource {
    /// A display path of the input, and the files it reads (for hashes and counts).
    var displayPath: String { get }
    var files: [String] { get }
    /// Streams every record in input order to `sink`. Throws `InputError` when the
    /// input cannot be read further (malformed XML, invalid UTF-8, unterminated quote).
    /// `entityOrder` is the order in which a bundle should read its entity files
    /// (ignored by document readers).
    func read(entityOrder: [Int], _ sink: EventSink) throws
    /// Whether nested records arrive inside their parent's group, closed by `.groupEnd` (XML),
    /// rather than in separate files joined by `participant_id` (CSV bundles).
    var deliversGroups: Bool { get }
    /// Counts the bytes `read` reads, when set (a progress display); nil by default.
    var progress: ReadProgress? { get set }
}

extension RecordSource {
    /// By default nested records arrive in separate files.
    public var deliversGroups: Bool { false }
}

/// Parsing of field text into typed values, shared by every reader (one `FieldDecoder`).
public enum FieldParser {
    /// Parses the text of a field. An empty text is `null`; nil means "not parseable as `type`".
    /// (`FieldDecoder`, made for one call: readers keep one decoder per field.)
    public static func parse(_ bytes: ArraySlice<UInt8>, as type: FieldType) -> Value? {
        FieldDecoder(type).parse(bytes)
    }

    /// A short description of what a type accepts, for error messages.
    public static func expectation(for type: FieldType) -> String {
        switch type {
        case .string: return "text"
        case .date: return "a date YYYY-MM-DD"
        case .decimal: return "a decimal number with '.' as separator"
        case .int: return "a whole number"
        case .bool: return "true or false"
        case .code(let v): return "one of " + v.joined(separator: ", ")
        case .codeSet(let v): return "space-separated codes from " + v.joined(separator: ", ")
        }
    }
}

/// The bytes a reader has read so far from an input's files, counted as it reads them (once per
/// byte, in the pass that also hashes them), for a progress display. Not shared between threads.
public final class ReadProgress {
    /// Bytes read from the input's files so far.
    public private(set) var bytes = 0
    public init() {}
    /// Counts `n` more bytes read.
    @inline(__always)
    public func add(_ n: Int) { bytes &+= n }
}

/// How far a run is through one input, for a progress display.
public struct CheckProgress: Sendable, Hashable {
    /// The handler is called every this many records (and at the start and end of each input).
    public static let interval = 1024
    /// The input, as displayed in the report.
    public var input: String
    /// 0-based index of the input, and how many inputs the run checks.
    public var inputIndex: Int
    public var inputCount: Int
    /// Bytes read so far from the input's files, and their total size.
    public var bytesRead: Int
    public var bytesTotal: Int
    /// Records read so far (evaluated or rejected).
    public var records: Int
    /// Time since the input's read began.
    public var elapsedNanoseconds: UInt64
    /// The input's stream has ended (the end of the stream, the report, are still to come).
    public var done: Bool
    public init(input: String, inputIndex: Int, inputCount: Int, bytesRead: Int, bytesTotal: Int, records: Int,
                elapsedNanoseconds: UInt64, done: Bool) {
        self.input = input
        self.inputIndex = inputIndex
        self.inputCount = inputCount
        self.bytesRead = bytesRead
        self.bytesTotal = bytesTotal
        self.records = records
        self.elapsedNanoseconds = elapsedNanoseconds
        self.done = done
    }
}
