import Foundation

/// The CLI's own diagnostic words (exit codes 2 and 3) in every language (`--lang`, else the locale):
/// the frame of every error line, and the phrases the readers and the command line write most.
/// A message is written in English where it is made and put into the language where it is printed
/// (`DiagnosticWords.translated`); a phrase the table does not know stays English, and so do names of
/// files, fields and values, and the texts of libxml2 (docs/languages.md).
public enum DiagnosticWords {
    /// `error` in `file:line:column: error: …` and `error: …`.
    public static func error(_ language: Language) -> String {
        language == .sl ? "napaka" : "error"
    }

    /// `3 problems in the rule and config files`.
    public static func problems(_ n: Int, _ language: Language) -> String {
        language == .sl ? "težave v datotekah pravil in nastavitev: \(n)"
            : "\(n) problem\(n == 1 ? "" : "s") in the rule and config files"
    }

    /// `unknown command 'chek'; did you mean 'check'?`.
    public static func unknownCommand(_ word: String, suggestion: String, _ language: Language) -> String {
        language == .sl ? "neznan ukaz '\(word)'; ste mislili '\(suggestion)'?"
            : "unknown command '\(word)'; did you mean '\(suggestion)'?"
    }

    /// English phrases and their Slovenian, replaced wherever they occur in a diagnostic's message
    /// (longest first, so that a phrase inside a longer one is not replaced on its own).
    public static let slovenianPhrases: [(en: String, sl: String)] = [
        ("the file is empty: an XML export needs a root element", "datoteka je prazna: izvoz XML potrebuje korenski element"),
        ("no root element: this is not an XML export", "ni korenskega elementa: to ni izvoz XML"),
        ("malformed XML: libxml2 stopped without saying why", "neveljaven XML: libxml2 se je ustavil brez pojasnila"),
        ("malformed XML: ", "neveljaven XML: "),
        ("no such file or folder", "ni take datoteke ali mape"),
        ("no such folder", "ni take mape"),
        ("cannot read the file: ", "datoteke ni mogoče prebrati: "),
        ("cannot open ", "ni mogoče odpreti: "),
        ("XSD validation stopped: ", "preverjanje XSD se je ustavilo: "),
        (" (did you mean ", " (ste mislili "),
        ("the folder ", "mapa "),
        (" does not exist", " ne obstaja"),
        ("is a folder; give a file name", "je mapa; navedite ime datoteke"),
        ("names a folder; give a file name", "je mapa; navedite ime datoteke"),
        ("the output path is empty", "izhodna pot je prazna"),
        ("esfcheck never writes over its inputs", "esfcheck nikoli ne piše čez svoje vhode"),
    ].sorted { $0.0.count > $1.0.count }

    /// `message` in `language`: the phrases of the table replaced; anything else as it is.
    public static func translated(_ message: String, _ language: Language) -> String {
        guard language == .sl else { return message }
        var out = message
        for (en, sl) in slovenianPhrases where out.contains(en) {
            out = out.replacingOccurrences(of: en, with: sl)
        }
        return out
    }
}
