import ESFCore
import ESFReports

/// The texts of the upload page in every language. The server writes the page in the request's
/// language; the page's script holds every language's texts (as JSON) and re-renders them when the
/// user switches. `{0}` is filled in by the script.
enum UploadPageWords {
    /// Each text by key, in English and Slovenian.
    static let texts: [String: [Language: String]] = [
        "title": [.en: "esfcheck — check an ESF export", .sl: "esfcheck — preverjanje izvoza ESS"],
        "heading": [.en: "Check an ESF export", .sl: "Preverjanje izvoza ESS"],
        "intro": [.en: "Choose the export of one operation: an XML file, an Excel workbook, or all CSV files of one bundle. The files are checked on this server and not kept; personal data is masked in the report.",
                  .sl: "Izberite izvoz ene operacije: datoteko XML, Excelov delovni zvezek ali vse datoteke CSV enega paketa. Datoteke se preverijo na tem strežniku in se ne shranijo; osebni podatki so v poročilu zakriti."],
        "language": [.en: "Language", .sl: "Jezik"],
        "files": [.en: "Export files", .sl: "Datoteke izvoza"],
        "drop": [.en: "Drop the files here, or choose them above.", .sl: "Spustite datoteke sem ali jih izberite zgoraj."],
        "check": [.en: "Check", .sl: "Preveri"],
        "none": [.en: "No file chosen.", .sl: "Izbrana ni nobena datoteka."],
        "chosen": [.en: "Chosen: {0}", .sl: "Izbrano: {0}"],
        "uploading": [.en: "Uploading… {0} %", .sl: "Nalaganje … {0} %"],
        "checking": [.en: "Checking…", .sl: "Preverjanje …"],
        "verdict": [.en: "Checked. Verdict: {0}.", .sl: "Preverjeno. Odločitev: {0}."],
        "download": [.en: "Download the report:", .sl: "Prenesite poročilo:"],
        "downloading": [.en: "Preparing the {0} report…", .sl: "Pripravljam poročilo {0} …"],
        "report": [.en: "Audit report", .sl: "Revizijsko poročilo"],
        "diagnostics": [.en: "Where and why:", .sl: "Kje in zakaj:"],
        "e400": [.en: "The request was refused.", .sl: "Zahteva je bila zavrnjena."],
        "e413": [.en: "The upload is too large.", .sl: "Naložene datoteke so prevelike."],
        "e415": [.en: "These files cannot be checked: choose an XML export, an Excel workbook or the CSV files of a bundle.",
                 .sl: "Teh datotek ni mogoče preveriti: izberite izvoz XML, Excelov delovni zvezek ali datoteke CSV paketa."],
        "e422": [.en: "The upload could not be read as an export.", .sl: "Naloženih datotek ni bilo mogoče prebrati kot izvoz."],
        "e503": [.en: "The server is busy or the check took too long; try again later.", .sl: "Strežnik je zaseden ali pa je preverjanje trajalo predolgo; poskusite znova pozneje."],
        "eOther": [.en: "The check failed (HTTP {0}).", .sl: "Preverjanje ni uspelo (HTTP {0})."],
        "eNetwork": [.en: "The server could not be reached.", .sl: "Strežnika ni bilo mogoče doseči."],
        "noscript": [.en: "Without JavaScript the report opens as a page of its own, with no progress shown.",
                     .sl: "Brez JavaScripta se poročilo odpre kot samostojna stran, brez prikaza napredka."],
        "accept": [.en: ReportWords.of(.en).accept, .sl: ReportWords.of(.sl).accept],
        "review": [.en: ReportWords.of(.en).review, .sl: ReportWords.of(.sl).review],
        "reject": [.en: ReportWords.of(.en).reject, .sl: ReportWords.of(.sl).reject],
    ]

    /// One text in a language (English when a language lacks it).
    static func text(_ key: String, _ language: Language) -> String {
        texts[key]?[language] ?? texts[key]?[.en] ?? key
    }

    /// Every text of every language as a JSON object `{ "en": { key: text }, "sl": { … } }`, for the script.
    static var json: String {
        JSONValue.object(Dictionary(uniqueKeysWithValues: Language.allCases.map { language in
            (language.rawValue, JSONValue.object(texts.mapValues { .string($0[language] ?? $0[.en] ?? "") }))
        })).text
    }
}
