/// The reserved findings and their messages in every language (`--lang`): English is the catalogue's
/// own text (`ReservedFinding.title`, `ReservedMessage.text`); Slovenian is here. Names of the data
/// (entities, fields, elements, files, values) and texts of libxml2 stay as they are.
extension ReservedFinding {
    /// The title in `language`.
    public func title(_ language: Language) -> String {
        guard language == .sl else { return title }
        switch self {
        case .schema: return "Izvoz ima strukturo svoje sheme"
        case .unparseable: return "Vsako vrednost je mogoče prebrati kot njen tip"
        case .orphan: return "Vsaka gnezdena vrstica pripada udeležencu"
        case .multiple: return "Največ eno usposabljanje in eno spremljanje na udeleženca"
        case .invisible: return "Nobena oznaka ali šifra ne vsebuje nevidnega znaka"
        case .limit: return "Preverjanje je ostalo v svojih mejah"
        case .runtime: return "Vsako pravilo je bilo mogoče ovrednotiti"
        case .waiverExpired: return "Nobena izjema ni potekla"
        case .waiverUnused: return "Vsaka izjema ustreza ugotovitvi"
        }
    }

    /// How to fix it, in general, in `language`.
    public func help(_ language: Language) -> String {
        guard language == .sl else { return help }
        switch self {
        case .schema: return "popravite strukturo izvoza (imena elementov in atributov, obvezne oznake)"
        case .unparseable: return "vrednost zapišite v obliki, ki jo polje pričakuje (datumi LLLL-MM-DD, decimalna števila s '.', true/false)"
        case .orphan: return "dodajte udeleženca ali popravite participant_id vrstice"
        case .multiple: return "ohranite en zapis na udeleženca; druge združite ali odstranite"
        case .invisible: return "iz vrednosti odstranite krmilni, ničelno široki ali dvosmerni znak (prikazan kot \\u{…}); pogosto se prilepi skupaj z njo"
        case .limit: return "poenostavite pravilo ali popravite podatke (predolgo vrednost), da se izvede v okviru svoje omejitve (docs/limits.md); pravilo, ki se ne more izvesti, izvoza nikoli ne spusti skozi"
        case .runtime: return "popravite pravilo ali podatke, s katerimi deli; pravilo, ki ne uspe, izvoza nikoli ne spusti skozi"
        case .waiverExpired: return "izjemo podaljšajte z novim datumom veljavnosti in odobritvijo ali jo odstranite in popravite podatke (docs/waivers.md)"
        case .waiverUnused: return "odstranite izjemo ali popravite njeno pravilo, zapis ali prstni odtis (docs/waivers.md)"
        }
    }
}

extension ReservedMessage {
    /// The message in `language`.
    public func text(_ language: Language) -> String {
        language == .sl ? slovenian : text
    }

    /// The help in `language` (see `help(rulePlace:)`).
    public func help(rulePlace: String? = nil, language: Language) -> String {
        guard language == .sl else { return help(rulePlace: rulePlace) }
        switch self {
        case .outOfOrder: return "seznami naj bodo v vrstnem redu sheme (esfcheck schema)"
        case .secondRoot(let e): return "v enem izvozu naj bo en zapis \(e); vsako operacijo preverite v svoji datoteki"
        case .ruleFailed(let rule, _, _):
            return "popravite pravilo \(rule)\(rulePlace.map { " (\($0))" } ?? "") ali podatke, s katerimi deli; pravilo, ki ne uspe, izvoza nikoli ne spusti skozi"
        case .ruleOverBudget(let rule, _, _):
            return "pravilo \(rule)\(rulePlace.map { " (\($0))" } ?? "") za ta zapis potrebuje več dela, kot dopušča njegova omejitev (docs/limits.md): poenostavite pravilo ali popravite podatke (predolgo vrednost); pravilo, ki se ne more izvesti, izvoza nikoli ne spusti skozi"
        case .noRoot(let e): return "dodajte zapis \(e): vsak izvoz ima natanko enega"
        default: return kind.help(language)
        }
    }

    var slovenian: String {
        switch self {
        case .outOfOrder(let e):
            return "zapisi \(e) pridejo za zapisi, ki se preverjajo glede nanje: izvoz ni v kanoničnem vrstnem redu, zato so nekatera pravila videla nepopoln seznam \(e)"
        case .secondRoot(let e): return "drugi zapis \(e): izvoz ima natanko enega"
        case .noRoot(let e): return "izvoz nima zapisa \(e)"
        case .orphan(let e, let key, let field, let pid, let parent): return "\(e) \(key): \(field) '\(pid)' ne ustreza nobenemu zapisu \(parent)"
        case .multiple(let parent, let pid, let e): return "\(parent) \(pid) ima več kot en zapis \(e)"
        case .ruleFailed(let rule, let key, let reason), .ruleOverBudget(let rule, let key, let reason):
            return "pravila \(rule) ni bilo mogoče ovrednotiti za \(key.isEmpty ? "izvoz" : key): \(reason)"
        case .emptyList(let e, let place):
            return "izvoz ne navaja nobenega zapisa \(e): \(place). Podatkovni model zahteva vsaj en zapis \(e) (ne določa, da je \(e) may_be_empty), zato je izvoz nepopoln; izvozite zapise \(e)"
        case .emptyFile(let file): return "\(file) je prazna: potrebuje vrstico glave z imeni polj"
        case .unknownColumn(let file, let column, let why): return "\(file): neznan stolpec '\(column)' (\(why)); preimenujte ali odstranite ga"
        case .repeatedColumn(let file, let column):
            return "\(file): stolpec '\(column)' se pojavi večkrat; prebran je le prvi, druge odstranite"
        case .raggedRow(let file, let line, let cells, let header):
            return "\(file) vrstica \(line): celic: \(cells), glava jih ima \(header); vrstica ni prebrana"
        case .malformedCell(let label, let column, let defect): return "\(label): \(column) \(defect.slovenian)"
        case .unparseable(let label, let field, let raw, let expectation): return "\(label): \(field) '\(raw)' ni \(expectation)"
        case .invisible(let label, let field, let raw, let described, let position):
            return "\(label): \(field) '\(raw)' vsebuje \(described) na \(position). znaku, "
                + "nevidni znak, zaradi katerega se razlikuje od vrednosti, ki ji je videti enaka; odstranite ga"
        case .requiredMissing(let label, let e, let field): return "\(label): obvezno polje '\(field)' manjka ali je prazno; vsak zapis \(e) ga potrebuje"
        case .unknownAttribute(let label, let name, let e, let inProfile):
            return inProfile
                ? "\(label): neznan atribut '\(name)' (ni polje \(e) v tem profilu); preimenujte ali odstranite ga ali nastavite extra: ignore"
                : "\(label): neznan atribut '\(name)' (ni polje \(e)); preimenujte ali odstranite ga"
        case .unexpectedText(let snippet, let element):
            return "nepričakovano besedilo '\(snippet)' v \(element); vrednosti sodijo v atribute"
        case .rootNamespace(let root, let actual, let expected):
            return "korenski element '\(root)' je v \(actual.map { "imenskem prostoru '\($0)'" } ?? "nobenem imenskem prostoru"), pričakovan je imenski prostor '\(expected)'; nič v njem ni prebrano (nastavite xmlns=\"\(expected)\")"
        case .wrongRoot(let found, let expected, let ns):
            return "korenski element je '\(found)', pričakovan je '\(expected)'\(ns.map { " v imenskem prostoru '\($0)'" } ?? ""); nič v njem ni prebrano"
        case .elementNamespace(let element, let parent, let actual, let expected):
            return "element '\(element)' v \(parent) je v \(actual.map { "imenskem prostoru '\($0)'" } ?? "nobenem imenskem prostoru"), pričakovan je '\(expected)'; ni prebran"
        case .unknownElement(let element, let parent, let allowed):
            let hint = allowed.isEmpty ? "\(parent) nima podrejenih elementov" : "pričakovano: " + allowed.joined(separator: ", ")
            return "neznan element '\(element)' v \(parent) (\(hint)); ni prebran"
        case .misplacedElement(let element, let parent, let homes):
            return "element '\(element)' ni dovoljen v \(parent); sodi v \(homes.joined(separator: " ali ")); ni prebran"
        case .fieldAfterNested(let element, let child):
            return "\(element): element '\(child)' je za gnezdenimi zapisi; polja so prva (ni prebran)"
        case .schemaValidity(let text): return text
        case .waiverExpired(let target, let expires, let approvedBy, let n):
            let matched = n == 0 ? "tudi ne ustreza nobeni ugotovitvi tega preverjanja"
                : "ugotovitve, ki jih navaja, znova štejejo (\(n))"
            return "izjema za \(target) je potekla \(expires?.formatted(.sl) ?? "?") (odobril: \(approvedBy)); ne izvzame ničesar: \(matched)"
        case .waiverUnused(let target): return "izjema za \(target) ne ustreza nobeni ugotovitvi tega preverjanja"
        }
    }
}

extension CellDefect {
    var slovenian: String {
        switch self {
        case .nulByte: return "vsebuje bajt NUL; odstranite ga"
        case .textAfterQuote: return "ima besedilo za zaključnim narekovajem; v narekovaje dajte celo celico, notranje narekovaje pa zapišite kot \"\""
        case .quoteInUnquotedField: return "ima narekovaj v celici brez narekovajev; v narekovaje dajte celo celico, notranje narekovaje pa zapišite kot \"\""
        }
    }
}
