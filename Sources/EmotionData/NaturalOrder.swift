// Natural ordering of file names, as file browsers sort them: runs of digits compare by their value,
// so "2.jpg" comes before "10.jpg".

/// True when `a` sorts before `b` in natural order: digit runs compare numerically (then by length, so
/// "01" follows "1"), everything else by Unicode scalar value, case-insensitively first and then exactly,
/// so the order is total and does not depend on the locale.
public func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
    let folded = naturalCompare(Array(a.lowercased().unicodeScalars), Array(b.lowercased().unicodeScalars))
    if folded != 0 { return folded < 0 }
    return naturalCompare(Array(a.unicodeScalars), Array(b.unicodeScalars)) < 0
}

/// -1, 0 or 1 as `a` sorts before, with or after `b`.
private func naturalCompare(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    var i = 0, j = 0
    while i < a.count && j < b.count {
        if isDigit(a[i]) && isDigit(b[j]) {
            let startA = i, startB = j
            while i < a.count && isDigit(a[i]) { i += 1 }
            while j < b.count && isDigit(b[j]) { j += 1 }
            let runA = a[startA..<i].drop { $0 == "0" }, runB = b[startB..<j].drop { $0 == "0" }
            // Without leading zeros, a longer run is a larger number; equal lengths compare digit by digit.
            if runA.count != runB.count { return runA.count < runB.count ? -1 : 1 }
            for (x, y) in zip(runA, runB) where x != y { return x.value < y.value ? -1 : 1 }
            let lengthA = i - startA, lengthB = j - startB
            if lengthA != lengthB { return lengthA < lengthB ? -1 : 1 }
        } else {
            if a[i] != b[j] { return a[i].value < b[j].value ? -1 : 1 }
            i += 1
            j += 1
        }
    }
    if i < a.count { return 1 }
    if j < b.count { return -1 }
    return 0
}

private func isDigit(_ scalar: Unicode.Scalar) -> Bool {
    ("0"..."9").contains(scalar)
}
