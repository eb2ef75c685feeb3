import ESFCore
import ESFReports
import Foundation

/// The width of the terminal on `fd`: the kernel's (TIOCGWINSZ), else `COLUMNS`, else the default width.
func terminalWidth(_ fd: Int32) -> Int {
    var size = winsize()
    if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }), columns > 0 { return columns }
    return TextLayout.defaultWidth
}

/// A progress bar on a terminal (stderr): bytes read of the input's total and records per second,
/// redrawn in place at most ten times a second, only for an input above `ProgressLine.threshold`, and
/// cleared when the run ends (nothing is left behind on the terminal).
final class ProgressDisplay {
    let fd: Int32
    let language: Language
    private var drawn = false
    private var lastDraw: UInt64 = 0
    init(fd: Int32, language: Language = .en) {
        self.fd = fd
        self.language = language
    }

    func update(_ p: CheckProgress) {
        guard p.bytesTotal > ProgressLine.threshold else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard p.done || !drawn || now &- lastDraw >= 100_000_000 else { return }
        lastDraw = now
        drawn = true
        // carriage return, the line, erase to the end of the line
        write("\r" + ProgressLine.render(p, width: terminalWidth(fd), language: language) + "\u{1B}[K")
    }

    /// Erases the bar, if one was drawn.
    func clear() {
        guard drawn else { return }
        drawn = false
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        try? writeAll(Data(text.utf8), to: fd, target: "stderr")
    }
}
