import ESFCore

/// The progress bar's one line: `[#####.....]  52%  210.3 of 404.1 MiB  31200 records/s  export.xml`,
/// fitted to a width (the least useful parts dropped first: the input's name, then the bar).
public enum ProgressLine {
    /// Inputs smaller than this (8 MiB, all files of the input together) get no progress bar: they are read in moments.
    public static let threshold = 8 << 20

    /// `210.3 MiB`, `12.0 KiB`, `512 B`.
    public static func bytes(_ n: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard n >= 1024 else { return "\(n) B" }
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// The line for `p`, at most `width - 1` characters (the last column is left free, so that no
    /// terminal wraps it).
    public static func render(_ p: CheckProgress, width: Int, language: Language = .en) -> String {
        let w = ReportWords.of(language)
        let room = max(10, width - 1)
        let seconds = Double(p.elapsedNanoseconds) / 1e9
        let rate = seconds >= 0.05 ? "\(Int((Double(p.records) / seconds).rounded())) \(w.recordsPerSecond)" : "… \(w.recordsPerSecond)"
        let share = p.bytesTotal > 0 ? min(1, Double(p.bytesRead) / Double(p.bytesTotal)) : 0
        let percent = "\(Int((share * 100).rounded(.down)))%"
        var parts: [String]
        if p.done {
            parts = [w.fill(w.progressDone, bytes(p.bytesRead), "\(p.records)", "\(Int(seconds.rounded()))")]
        } else {
            parts = [percent, w.fill(w.bytesOf, bytes(p.bytesRead), bytes(p.bytesTotal)), rate]
        }
        let name = (p.inputCount > 1 ? w.fill(w.inputOf, "\(p.inputIndex + 1)", "\(p.inputCount)") : "") + (p.input.split(separator: "/").last.map(String.init) ?? p.input)
        let text = parts.joined(separator: "  ")
        func bar(_ cells: Int) -> String {
            let filled = p.done ? cells : Int((share * Double(cells)).rounded(.down))
            return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]"
        }
        // the bar takes what is left, between 10 and 30 cells; without room for it, no bar
        let withName = text + "  " + name
        for candidate in [withName, text] {
            let left = room - candidate.count - 2
            if left >= 12 { return bar(min(30, left - 2)) + "  " + candidate }
        }
        if withName.count <= room { return withName }
        return String(text.prefix(room))
    }
}
