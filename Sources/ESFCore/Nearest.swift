/// "Did you mean …?" for a mistyped id: the candidate nearest to what was written.
public enum Nearest {
    /// The candidate with the smallest edit distance (case-insensitive) to `word`, when it is close
    /// enough to be a likely typo: at most a third of the word's length, and at least 1.
    public static func match(_ word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased()))
            if d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        guard let best, best.1 <= max(1, w.count / 3) else { return nil }
        return best.0
    }

    /// ` (did you mean X?)`, or nothing.
    public static func hint(_ word: String, in candidates: [String]) -> String {
        match(word, in: candidates).map { " (did you mean \($0)?)" } ?? ""
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
