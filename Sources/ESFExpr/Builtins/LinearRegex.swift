/// A regular expression matched in time linear in the input (a Pike VM over Unicode scalars).
///
/// `matches` must not hang a run: a backtracking engine takes exponential time on patterns such
/// as `^(a+)+$`, and a pattern can come from a data field. This engine simulates the pattern's
/// automaton over all its states at once, so the work per input scalar is bounded by the size of
/// the program, and it charges that work to the evaluator's cost budget.
///
/// Supported syntax (docs/language.md): literals, `.`, classes `[...]` with ranges and negation,
/// the escapes `\d \D \w \W \s \S \t \n \r \f \uhhhh \xhh \b \B \A \z` and escaped punctuation,
/// anchors `^ $`, groups `( )` and `(?: )`, alternation `|`, quantifiers `* + ? {m} {m,} {m,n}`
/// (lazy forms accepted: they match the same strings). Backreferences, lookaround, named groups,
/// inline flags, possessive quantifiers and Unicode properties are refused with a message.
package struct LinearRegex: Sendable {
    /// Why a pattern cannot be compiled, with the scalar offset in the pattern where it was found.
    package struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        package var message: String
        package var offset: Int
        package var description: String { "\(message) (at character \(offset + 1))" }
    }

    /// The largest count a bounded repetition `{m,n}` may name.
    package static let maxRepetition = 1000
    /// The largest program a pattern may compile to (instructions), so a match stays cheap.
    package static let maxProgramSize = 10_000
    /// The deepest nesting of groups a pattern may have.
    package static let maxNesting = 100

    let program: [Inst]

    /// Compiles `pattern`; throws `SyntaxError` for invalid or unsupported syntax.
    package init(_ pattern: String) throws(SyntaxError) {
        var parser = RegexParser(Array(pattern.unicodeScalars))
        let tree = try parser.parse()
        var compiler = RegexCodeGen()
        try compiler.emit(tree)
        compiler.insts.append(.match)
        if compiler.insts.count > Self.maxProgramSize {
            throw SyntaxError(message: "the pattern is too large (more than \(Self.maxProgramSize) steps after expanding repetitions)", offset: 0)
        }
        program = compiler.insts
    }

    /// Whether the pattern matches somewhere in `s` (search semantics, like CEL).
    ///
    /// `charge` is called once per input position with the number of automaton states stepped
    /// there (at least 1); it throws to stop the match when the cost budget is spent.
    package func matches<E: Error>(_ s: String, charge: (Int) throws(E) -> Void) throws(E) -> Bool {
        let n = program.count
        var current = StateSet(n), next = StateSet(n)
        var stack: [Int] = []
        var scalars = s.unicodeScalars.makeIterator()
        var prev: Unicode.Scalar? = nil
        var cur = scalars.next()
        var atStart = true
        while true {
            // a new attempt starts at every position (search); anchored programs die at once
            if addThread(&current, 0, prev: prev, cur: cur, atStart: atStart, stack: &stack) { return true }
            guard let c = cur else { return false }
            try charge(current.count + 1)
            let following = scalars.next()
            next.clear()
            for i in 0..<current.count {
                let pc = current.dense[i]
                let advance: Bool
                switch program[pc] {
                case .scalar(let x): advance = x == c
                case .any: advance = !LinearRegex.isLineTerminator(c)
                case .set(let set): advance = set.contains(c)
                default: advance = false
                }
                if advance, addThread(&next, pc + 1, prev: c, cur: following, atStart: false, stack: &stack) { return true }
            }
            swap(&current, &next)
            prev = c
            cur = following
            atStart = false
        }
    }

    /// Adds `pc` and every state reachable from it without consuming input; true when one is `match`.
    private func addThread(_ list: inout StateSet, _ pc: Int, prev: Unicode.Scalar?, cur: Unicode.Scalar?, atStart: Bool,
                           stack: inout [Int]) -> Bool {
        stack.removeAll(keepingCapacity: true)
        stack.append(pc)
        while let pc = stack.popLast() {
            if list.contains(pc) { continue }
            list.insert(pc)
            switch program[pc] {
            case .match: return true
            case .jump(let x): stack.append(x)
            case .split(let x, let y):
                stack.append(y)
                stack.append(x)
            case .assert(let a):
                let holds: Bool
                switch a {
                case .start: holds = atStart
                case .end: holds = cur == nil
                case .wordBoundary, .notWordBoundary:
                    let before = prev.map(LinearRegex.isWord) ?? false
                    let after = cur.map(LinearRegex.isWord) ?? false
                    holds = (before != after) == (a == .wordBoundary)
                }
                if holds { stack.append(pc + 1) }
            case .scalar, .any, .set: break
            }
        }
        return false
    }

    // MARK: character kinds (as ICU defines them, so patterns mean what users expect)

    /// Line terminators, which `.` does not match.
    static func isLineTerminator(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `\d`: a Unicode decimal digit (general category Nd).
    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c.value >= 0x30 && c.value <= 0x39 }
        return c.properties.generalCategory == .decimalNumber
    }

    /// `\w`: alphabetic, mark, decimal digit, connector punctuation, ZWNJ and ZWJ.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        if c.value == 0x200C || c.value == 0x200D { return true }
        let p = c.properties
        if p.isAlphabetic { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `\s`: tab, line feed, form feed, carriage return and the separators (Z).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0C, 0x0D, 0x20: return true
        default:
            if c.isASCII { return false }
            switch c.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }
}

/// A set of automaton states with O(1) insert, lookup and clear (sparse set).
struct StateSet {
    var dense: [Int]
    var sparse: [Int]
    var count = 0
    init(_ n: Int) {
        dense = Array(repeating: 0, count: n)
        sparse = Array(repeating: 0, count: n)
    }
    func contains(_ pc: Int) -> Bool {
        let i = sparse[pc]
        return i < count && dense[i] == pc
    }
    mutating func insert(_ pc: Int) {
        sparse[pc] = count
        dense[count] = pc
        count += 1
    }
    mutating func clear() { count = 0 }
}

/// A zero-width assertion.
enum RegexAssertion: Sendable, Hashable {
    case start, end, wordBoundary, notWordBoundary
}

/// A character class: ranges and built-in kinds, possibly negated.
struct RegexClass: Sendable, Hashable {
    enum Item: Sendable, Hashable {
        case range(UInt32, UInt32)
        case digit(negated: Bool), word(negated: Bool), space(negated: Bool)
    }
    var items: [Item]
    var negated: Bool

    func contains(_ c: Unicode.Scalar) -> Bool {
        var found = false
        for item in items {
            switch item {
            case .range(let lo, let hi): found = c.value >= lo && c.value <= hi
            case .digit(let n): found = LinearRegex.isDigit(c) != n
            case .word(let n): found = LinearRegex.isWord(c) != n
            case .space(let n): found = LinearRegex.isSpace(c) != n
            }
            if found { break }
        }
        return found != negated
    }
}

/// One instruction of the matcher's program.
enum Inst: Sendable {
    case scalar(Unicode.Scalar)
    case any
    case set(RegexClass)
    case split(Int, Int)
    case jump(Int)
    case assert(RegexAssertion)
    case match
}

/// The parsed pattern.
indirect enum RegexNode {
    case empty
    case scalar(Unicode.Scalar)
    case any
    case set(RegexClass)
    case assert(RegexAssertion)
    case concat([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?)
}

/// A recursive-descent parser of the supported syntax.
struct RegexParser {
    typealias SyntaxError = LinearRegex.SyntaxError
    let s: [Unicode.Scalar]
    var i = 0
    var depth = 0

    init(_ s: [Unicode.Scalar]) { self.s = s }

    var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    func error(_ message: String, at offset: Int? = nil) -> SyntaxError {
        SyntaxError(message: message, offset: offset ?? i)
    }

    mutating func parse() throws(SyntaxError) -> RegexNode {
        let node = try alternation()
        if i < s.count {
            // only an unbalanced ')' stops the top-level alternation early
            throw error("unbalanced ')'")
        }
        return node
    }

    mutating func alternation() throws(SyntaxError) -> RegexNode {
        var branches = [try concatenation()]
        while peek == "|" {
            i += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func concatenation() throws(SyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            items.append(try quantified(try atom()))
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .concat(items)
    }

    mutating func quantified(_ atom: RegexNode) throws(SyntaxError) -> RegexNode {
        guard let c = peek, c == "*" || c == "+" || c == "?" || c == "{" else { return atom }
        var min = 0, max: Int? = nil
        switch c {
        case "*": i += 1
        case "+": min = 1; i += 1
        case "?": max = 1; i += 1
        default:
            (min, max) = try interval()
        }
        if peek == "?" { i += 1 }  // lazy: the same strings match
        else if peek == "+" { throw error("possessive quantifiers are not supported") }
        if let c = peek, c == "*" || c == "+" || c == "?" || c == "{" {
            throw error("a quantifier cannot follow a quantifier; group the repeated part with (?: )")
        }
        return .repeated(atom, min: min, max: max)
    }

    /// `{m}`, `{m,}` or `{m,n}` (the `{` is at `i`).
    mutating func interval() throws(SyntaxError) -> (Int, Int?) {
        let at = i
        i += 1
        func number(_ p: inout RegexParser) -> Int? {
            var value: Int? = nil
            while let c = p.peek, c.value >= 0x30, c.value <= 0x39 {
                value = min((value ?? 0) * 10 + Int(c.value - 0x30), 1_000_000)
                p.i += 1
            }
            return value
        }
        let badInterval = error("a '{' must start a repetition {m}, {m,} or {m,n}; write \\{ for a literal brace", at: at)
        guard let lo = number(&self) else { throw badInterval }
        var hi: Int? = lo
        if peek == "," {
            i += 1
            hi = number(&self)
        }
        guard peek == "}" else { throw badInterval }
        i += 1
        if lo > LinearRegex.maxRepetition || (hi ?? 0) > LinearRegex.maxRepetition {
            throw error("a repetition count is limited to \(LinearRegex.maxRepetition)", at: at)
        }
        if let hi, hi < lo { throw error("in {\(lo),\(hi)} the maximum is below the minimum", at: at) }
        return (lo, hi)
    }

    mutating func atom() throws(SyntaxError) -> RegexNode {
        guard let c = peek else { throw error("unexpected end of pattern") }
        switch c {
        case "(":
            let open = i
            i += 1
            if peek == "?" {
                if i + 1 < s.count, s[i + 1] == ":" {
                    i += 2
                } else {
                    let next = i + 1 < s.count ? s[i + 1] : " "
                    let what: String
                    switch next {
                    case "=", "!": what = "lookahead"
                    case "<":
                        let after = i + 2 < s.count ? s[i + 2] : " "
                        what = after == "=" || after == "!" ? "lookbehind" : "named groups"
                    default: what = "inline flags and other (? groups"
                    }
                    throw error("\(what) are not supported (supported groups: ( ) and (?: ))", at: open)
                }
            }
            depth += 1
            if depth > LinearRegex.maxNesting { throw error("groups are nested more than \(LinearRegex.maxNesting) deep", at: open) }
            let inner = try alternation()
            guard peek == ")" else { throw error("missing ')' for the group opened here", at: open) }
            i += 1
            depth -= 1
            return inner
        case ")": throw error("unbalanced ')'")
        case "*", "+", "?": throw error("nothing to repeat")
        case "{":
            throw error("a '{' must follow something to repeat; write \\{ for a literal brace")
        case "[": return .set(try charClass())
        case ".": i += 1; return .any
        case "^": i += 1; return .assert(.start)
        case "$": i += 1; return .assert(.end)
        case "\\": return try escape()
        default: i += 1; return .scalar(c)
        }
    }

    /// An escape outside a class (the `\` is at `i`).
    mutating func escape() throws(SyntaxError) -> RegexNode {
        let at = i
        i += 1
        guard let c = peek else { throw error("the pattern ends with a lone '\\'", at: at) }
        switch c {
        case "b": i += 1; return .assert(.wordBoundary)
        case "B": i += 1; return .assert(.notWordBoundary)
        case "A": i += 1; return .assert(.start)
        case "z": i += 1; return .assert(.end)
        default:
            switch try classEscape(at: at) {
            case .scalar(let x): return .scalar(x)
            case .item(let item): return .set(RegexClass(items: [item], negated: false))
            }
        }
    }

    enum Escaped {
        case scalar(Unicode.Scalar)
        case item(RegexClass.Item)
    }

    /// An escape valid both inside and outside a class (`i` is just after the `\`).
    mutating func classEscape(at: Int) throws(SyntaxError) -> Escaped {
        guard let c = peek else { throw error("the pattern ends with a lone '\\'", at: at) }
        i += 1
        switch c {
        case "d": return .item(.digit(negated: false))
        case "D": return .item(.digit(negated: true))
        case "w": return .item(.word(negated: false))
        case "W": return .item(.word(negated: true))
        case "s": return .item(.space(negated: false))
        case "S": return .item(.space(negated: true))
        case "t": return .scalar("\t")
        case "n": return .scalar("\n")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "u": return .scalar(try hex(digits: 4, at: at))
        case "x": return .scalar(try hex(digits: 2, at: at))
        case "1", "2", "3", "4", "5", "6", "7", "8", "9", "k":
            throw error("backreferences are not supported", at: at)
        case "p", "P":
            throw error("Unicode property classes (\\p{…}) are not supported; write a class such as [a-zA-Zčšž]", at: at)
        default:
            if c.isASCII, c.properties.isAlphabetic || (c.value >= 0x30 && c.value <= 0x39) {
                throw error("unknown escape '\\\(c)'", at: at)
            }
            return .scalar(c)
        }
    }

    mutating func hex(digits: Int, at: Int) throws(SyntaxError) -> Unicode.Scalar {
        var v: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek, c.isASCII, let d = Int(String(c), radix: 16) else {
                throw error("\\u needs 4 and \\x 2 hexadecimal digits", at: at)
            }
            v = v * 16 + UInt32(d)
            i += 1
        }
        guard let scalar = Unicode.Scalar(v) else { throw error("\\u\(String(v, radix: 16)) is not a Unicode scalar", at: at) }
        return scalar
    }

    /// `[...]` (the `[` is at `i`).
    mutating func charClass() throws(SyntaxError) -> RegexClass {
        let open = i
        i += 1
        var negated = false
        if peek == "^" { negated = true; i += 1 }
        var items: [RegexClass.Item] = []
        var first = true
        while true {
            guard let c = peek else { throw error("missing ']' for the class opened here", at: open) }
            if c == "]" && !first { i += 1; break }
            first = false
            if c == "[" { throw error("nested classes are not supported; write \\[ for a literal '['") }
            if c == "&", i + 1 < s.count, s[i + 1] == "&" { throw error("class intersection (&&) is not supported; write \\& for a literal '&'") }
            let lo: Unicode.Scalar
            if c == "\\" {
                let at = i
                i += 1
                if peek == "b" { throw error("\\b is not supported inside a class", at: at) }
                switch try classEscape(at: at) {
                case .item(let item):
                    items.append(item)
                    if peek == "-", i + 1 < s.count, s[i + 1] != "]" { throw error("a range cannot start at a class such as \\d") }
                    continue
                case .scalar(let x): lo = x
                }
            } else {
                lo = c
                i += 1
            }
            // a range lo-hi, unless the '-' is the class's last character
            if peek == "-", i + 1 < s.count, s[i + 1] != "]" {
                let dash = i
                i += 1
                let hi: Unicode.Scalar
                if peek == "\\" {
                    let at = i
                    i += 1
                    guard case .scalar(let x) = try classEscape(at: at) else { throw error("a range cannot end at a class such as \\d", at: at) }
                    hi = x
                } else if peek == "[" {
                    throw error("nested classes are not supported; write \\[ for a literal '['")
                } else if let h = peek {
                    hi = h
                    i += 1
                } else {
                    throw error("missing ']' for the class opened here", at: open)
                }
                guard lo.value <= hi.value else { throw error("the range \(lo)-\(hi) is out of order", at: dash) }
                items.append(.range(lo.value, hi.value))
            } else {
                items.append(.range(lo.value, lo.value))
            }
        }
        return RegexClass(items: items, negated: negated)
    }
}

/// Compiles the parse tree to Pike VM instructions.
struct RegexCodeGen {
    var insts: [Inst] = []

    mutating func emit(_ node: RegexNode) throws(LinearRegex.SyntaxError) {
        // stop expanding as soon as the program is too large (so a huge repetition costs nothing)
        if insts.count > LinearRegex.maxProgramSize {
            throw LinearRegex.SyntaxError(message: "the pattern is too large (more than \(LinearRegex.maxProgramSize) steps after expanding repetitions)", offset: 0)
        }
        switch node {
        case .empty: break
        case .scalar(let c): insts.append(.scalar(c))
        case .any: insts.append(.any)
        case .set(let set): insts.append(.set(set))
        case .assert(let a): insts.append(.assert(a))
        case .concat(let items): for item in items { try emit(item) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = insts.count
                    insts.append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(insts.count)
                    insts.append(.jump(0))
                    insts[split] = .split(split + 1, insts.count)
                } else {
                    try emit(branch)
                }
            }
            for j in jumps { insts[j] = .jump(insts.count) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                // (max - min) optional copies, each leaving to the end when skipped
                var splits: [Int] = []
                for _ in 0..<(max - min) {
                    splits.append(insts.count)
                    insts.append(.split(insts.count + 1, 0))
                    try emit(inner)
                }
                for sp in splits { insts[sp] = .split(sp + 1, insts.count) }
            } else {
                // inner*: L: split body, end; body; jump L
                let loop = insts.count
                insts.append(.split(loop + 1, 0))
                try emit(inner)
                insts.append(.jump(loop))
                insts[loop] = .split(loop + 1, insts.count)
            }
        }
    }
}
