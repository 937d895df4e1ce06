// "Did you mean …?" for a mistyped command or option: the nearest known name by edit distance, one rule
// and one wording for both.

enum Suggestion {
    /// The candidate `typed` most likely meant: the nearest one at most 1 edit away (2 for names longer than
    /// three characters; swapping two neighbouring letters is one edit), else one that `typed` is a prefix of
    /// or extends (at least three characters). Nil when nothing is that close. Ties go to the earlier candidate.
    static func closest(to typed: String, among candidates: [String]) -> String? {
        let limit = typed.count > 3 ? 2 : 1
        var best: (candidate: String, score: Int)?
        for candidate in candidates {
            let distance = editDistance(typed, candidate)
            let score: Int
            if distance <= limit {
                score = distance
            } else if typed.count >= 3, candidate.hasPrefix(typed) || typed.hasPrefix(candidate) {
                score = limit + 1
            } else {
                continue
            }
            if best == nil || score < best!.score { best = (candidate, score) }
        }
        return best?.candidate
    }

    /// ". Did you mean 'x'?" for the closest candidate, else "": appended to an "unknown …" message.
    static func sentence(for typed: String, among candidates: [String]) -> String {
        closest(to: typed, among: candidates).map { ". Did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
