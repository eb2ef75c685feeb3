/// Watches the bytes of an XML file before libxml2 sees them, up to the root element's start tag.
///
/// An export has no use for a document type declaration, and a DTD is how
/// external entities (XXE), `file://`/`http://` fetches and entity-expansion
/// bombs get in. The guard finds `<!DOCTYPE` (any `<!` in the prolog that does
/// not open a comment) and makes the feed stop *before* handing those bytes to
/// the parser, so nothing is declared, fetched or expanded. It also records the
/// line where the root element starts. It understands 1-, 2- and 4-byte code
/// units (UTF-8 and other ASCII-compatible encodings, UTF-16, UCS-4), detected
/// from the first bytes as XML 1.0 Appendix F describes.
struct PrologGuard {
    enum Outcome: Equatable {
        /// Still in the prolog: pass the bytes on.
        case scanning
        /// The root element starts on `line`: the rest of the file is not scanned.
        case root(line: Int)
        /// A DOCTYPE (or other markup declaration) starts on `line`.
        case doctype(line: Int)
    }

    private enum State {
        case detect, text, lessThan, processingInstruction, piQuestion, bang, bangDash, comment(dashes: Int)
    }

    private(set) var outcome = Outcome.scanning
    private var state = State.detect
    private var line = 1
    private var markupLine = 1
    private var detectBytes: [UInt8] = []
    private var unitWidth = 1
    private var bigEndian = true
    private var unit: UInt32 = 0
    private var unitFill = 0

    /// Feeds the next bytes; returns the outcome so far.
    @discardableResult
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard outcome == .scanning else { return outcome }
        for byte in bytes {
            if case .detect = state {
                detectBytes.append(byte)
                if detectBytes.count < 4 { continue }
                detect()
                let pending = detectBytes
                detectBytes = []
                for b in pending where outcome == .scanning { take(b) }
            } else {
                take(byte)
            }
            if outcome != .scanning { return outcome }
        }
        return outcome
    }

    /// The file ended (fewer than 4 bytes, or no root element).
    mutating func finish() {
        if case .detect = state {
            state = .text
            let pending = detectBytes
            detectBytes = []
            for b in pending where outcome == .scanning { take(b) }
        }
    }

    private mutating func detect() {
        let b = detectBytes
        state = .text
        switch (b[0], b[1], b[2], b[3]) {
        case (0x00, 0x00, 0xFE, 0xFF), (0x00, 0x00, 0x00, 0x3C):
            unitWidth = 4; bigEndian = true
        case (0xFF, 0xFE, 0x00, 0x00), (0x3C, 0x00, 0x00, 0x00):
            unitWidth = 4; bigEndian = false
        case (0xFE, 0xFF, _, _), (0x00, 0x3C, 0x00, _):
            unitWidth = 2; bigEndian = true
        case (0xFF, 0xFE, _, _), (0x3C, 0x00, _, 0x00):
            unitWidth = 2; bigEndian = false
        default:
            unitWidth = 1
        }
    }

    private mutating func take(_ byte: UInt8) {
        if unitWidth == 1 {
            step(UInt32(byte))
            return
        }
        unit = bigEndian ? (unit << 8) | UInt32(byte) : unit | (UInt32(byte) << (8 * UInt32(unitFill)))
        unitFill += 1
        if unitFill == unitWidth {
            let u = unit
            unit = 0
            unitFill = 0
            step(u)
        }
    }

    private mutating func step(_ c: UInt32) {
        let newline = c == 0x0A
        switch state {
        case .detect:
            break
        case .text:
            if c == 0x3C {
                markupLine = line
                state = .lessThan
            }
        case .lessThan:
            if c == 0x3F {
                state = .processingInstruction
            } else if c == 0x21 {
                state = .bang
            } else {
                outcome = .root(line: markupLine)
            }
        case .processingInstruction:
            if c == 0x3F { state = .piQuestion }
        case .piQuestion:
            if c == 0x3E {
                state = .text
            } else if c != 0x3F {
                state = .processingInstruction
            }
        case .bang:
            if c == 0x2D {
                state = .bangDash
            } else {
                outcome = .doctype(line: markupLine)
            }
        case .bangDash:
            if c == 0x2D {
                state = .comment(dashes: 0)
            } else {
                outcome = .doctype(line: markupLine)
            }
        case .comment(let dashes):
            if c == 0x2D {
                state = .comment(dashes: dashes + 1)
            } else if c == 0x3E && dashes >= 2 {
                state = .text
            } else {
                state = .comment(dashes: 0)
            }
        }
        if newline { line += 1 }
    }
}
