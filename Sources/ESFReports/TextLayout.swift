/// Fitting text to a width: word wrap with a hanging indent, never dropping a character.
public enum TextLayout {
    /// The width of text output that goes to a file or a pipe (and of the golden reports).
    public static let defaultWidth = 100
    /// The narrowest width a report is laid out for (a narrower terminal gets lines this long).
    public static let minimumWidth = 40

    /// `text` wrapped at spaces into lines of at most `width` characters: the first line starts with
    /// `first`, every other with `rest` (a hanging indent). A word longer than a whole line is split
    /// across lines rather than cut; a line break in `text` starts a new line (with `rest`). Joining the
    /// lines (prefixes removed) with single spaces gives back `text` with runs of spaces at the wrap
    /// points counted as one.
    public static func wrap(_ text: String, width: Int, first: String = "", rest: String = "") -> [String] {
        var lines: [String] = []
        var line = first
        var lineLength = first.count
        // whether the current line holds a word yet (a prefix alone does not count)
        var hasWord = false
        let restLength = rest.count
        func newLine() {
            lines.append(line)
            line = rest
            lineLength = restLength
            hasWord = false
        }
        let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (p, paragraph) in paragraphs.enumerated() {
            if p > 0 { newLine() }
            // a dash that ends a place (`… = "4" —`) stays with the word before it, never starting a line
            var words: [Substring] = []
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                if word == "—", let last = words.last, !last.isEmpty {
                    words[words.count - 1] = Substring(last + " —")
                } else {
                    words.append(word)
                }
            }
            for word in words {
                let length = word.count
                if hasWord && lineLength + 1 + length > width {
                    newLine()
                } else if hasWord {
                    line += " "
                    lineLength += 1
                }
                var piece = Substring(word)
                // a word longer than the room of a whole line is split: nothing is cut off
                while lineLength + piece.count > width && piece.count > 1 {
                    let room = max(1, width - lineLength)
                    if hasWord || (lineLength > restLength && room < width / 4) {
                        newLine()
                        continue
                    }
                    let head = piece.prefix(room)
                    line += head
                    lineLength += head.count
                    hasWord = true
                    piece = piece.dropFirst(head.count)
                    newLine()
                }
                line += piece
                lineLength += piece.count
                hasWord = true
            }
        }
        lines.append(line)
        return lines
    }

    /// `text` padded with spaces on the left to `width` characters (longer text is left as it is).
    static func padLeft(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
