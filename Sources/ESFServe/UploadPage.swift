import ESFCore
import ESFEngine
import ESFReports
import Foundation
import Hummingbird

/// `GET /`: the upload page (docs/api.md, "The upload page"). One HTML document with its style and
/// script inline and nothing loaded from anywhere: the user picks or drops the export's files, sees the
/// upload's progress, and gets the HTML report inline (a sandboxed `<iframe srcdoc>`), with downloads of
/// the JSON, SARIF and CSV reports (the same files posted again; the server keeps nothing). The page is
/// written in the request's language (`?lang=`, else `Accept-Language`) and holds the other's texts
/// for its language switch. Without JavaScript the form still posts to `/v1/check` and the browser
/// shows the HTML report as a page.
enum UploadPage {
    /// `GET /`; any other method on `/` is 405 with `Allow: GET` (`Routes.allowedMethod`).
    static func addRoutes(to router: Router<ServeContext>) {
        router.get("/") { request, _ in try response(request) }
    }

    /// The page's answer.
    static func response(_ request: Request) throws(Problem) -> Response {
        let query = try QueryParameters(request.uri.query, known: ["lang"])
        let language = try CheckService.language(query, request.headers)
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: contentSecurityPolicy,
            .contentLanguage: language.rawValue,
            .vary: "Accept-Language",
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html(language))))
    }

    /// The page's script (the same in every language: it holds every language's texts).
    static let script = UploadPageAssets.js(words: UploadPageWords.json)

    /// Nothing from anywhere but this server: the page's own style and script by their hashes, and the
    /// report's (whose `<iframe srcdoc>` document inherits this policy on top of its own); requests only
    /// to this server (`/v1/check`); the form posts only here; the page may not be framed elsewhere.
    static let contentSecurityPolicy: String = {
        let report = HTMLReporter.inlineSources
        let styles = ([HTMLReporter.inlineHash(UploadPageAssets.css)] + report.styles).joined(separator: " ")
        let scripts = ([HTMLReporter.inlineHash(script)] + report.scripts).joined(separator: " ")
        return "default-src 'none'; style-src \(styles); script-src \(scripts); connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    }()

    /// The page in a language.
    static func html(_ language: Language) -> String {
        func t(_ key: String) -> String { HTMLReporter.escaped(UploadPageWords.text(key, language)) }
        func option(_ l: Language, _ name: String) -> String {
            "<option value=\"\(l.rawValue)\" lang=\"\(l.rawValue)\"\(l == language ? " selected" : "")>\(name)</option>"
        }
        return """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="esfcheck \(HTMLReporter.escaped(esfcheckVersion))">
        <title>\(t("title"))</title>
        <style>
        \(UploadPageAssets.css)
        </style>
        </head>
        <body>
        <header>
        <h1 data-t="heading">\(t("heading"))</h1>
        <p class="lang"><label for="lang" data-t="language">\(t("language"))</label>
        <select id="lang">\(option(.en, "English")) \(option(.sl, "Slovenščina"))</select></p>
        </header>
        <p class="intro" data-t="intro">\(t("intro"))</p>
        <form id="upload" method="post" action="/v1/check?lang=\(language.rawValue)" enctype="multipart/form-data" aria-describedby="chosen">
        <div id="drop" class="drop">
        <label for="file" data-t="files">\(t("files"))</label>
        <input type="file" id="file" name="file" multiple accept=".xml,.xlsx,.csv,application/xml,text/xml,text/csv">
        <button type="submit" id="submit" data-t="check">\(t("check"))</button>
        <p class="hint" data-t="drop">\(t("drop"))</p>
        <p id="chosen">\(t("none"))</p>
        </div>
        </form>
        <noscript><p data-t="noscript">\(t("noscript"))</p></noscript>
        <div class="state"><p id="status" role="status" aria-live="polite"></p><progress id="progress" max="100" hidden></progress></div>
        <div id="problem" role="alert" hidden></div>
        <section id="result" hidden>
        <p id="downloads"><span data-t="download">\(t("download"))</span>
        <button type="button" class="link" data-format="html">HTML</button>
        <button type="button" class="link" data-format="json">JSON</button>
        <button type="button" class="link" data-format="sarif">SARIF</button>
        <button type="button" class="link" data-format="csv">CSV</button></p>
        <iframe id="report" sandbox="allow-scripts" title="\(t("report"))"></iframe>
        </section>
        <script>
        \(script)
        </script>
        </body>
        </html>

        """
    }
}
