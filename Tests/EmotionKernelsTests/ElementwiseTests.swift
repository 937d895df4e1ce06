// Elementwise kernels and reductions vs plain loops, at sizes with SIMD tails and above the parallel threshold.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

private let counts = [1, 7, 16, 61, 100_003]

@Test("relu and reluBackward", arguments: counts)
func reluMatchesLoop(count: Int) {
    let x = randomFloats(count, seed: 50)
    var y = [Float](repeating: .nan, count: count)
    Kernels.relu(x, &y, count: count)
    #expect(y == x.map { max($0, 0) })

    var inPlace = x
    inPlace.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, $0.baseAddress!, count: count) }
    #expect(inPlace == y)

    let dy = randomFloats(count, seed: 51)
    var dx = [Float](repeating: .nan, count: count)
    Kernels.reluBackward(outputGradient: dy, output: y, inputGradient: &dx, count: count)
    #expect(dx == zip(dy, y).map { $1 > 0 ? $0 : 0 })
}

@Test("add, accumulate, multiply, scale, fill", arguments: counts)
func arithmeticMatchesLoop(count: Int) {
    let a = randomFloats(count, seed: 52)
    let b = randomFloats(count, seed: 53)
    var out = [Float](repeating: .nan, count: count)
    Kernels.add(a, b, &out, count: count)
    #expect(out == zip(a, b).map { $0 + $1 })

    var y = b
    Kernels.accumulate(a, into: &y, count: count)
    #expect(y == zip(a, b).map { $0 + $1 })

    Kernels.multiply(a, b, &out, count: count)
    #expect(out == zip(a, b).map { $0 * $1 })

    Kernels.scale(a, by: -3, &out, count: count)
    #expect(out == a.map { $0 * -3 })

    Kernels.fill(&out, with: 2.5, count: count)
    #expect(out == [Float](repeating: 2.5, count: count))
}

@Test("addBias and columnSums", arguments: [(1, 1), (3, 5), (32, 128), (70, 19), (2000, 64)])
func biasKernelsMatchLoops(rows: Int, columns: Int) {
    let data = randomFloats(rows * columns, seed: 54)
    let bias = randomFloats(columns, seed: 55)
    for activation in [Activation.linear, .relu] {
        var out = data
        Kernels.addBias(&out, bias: bias, rows: rows, columns: columns, activation: activation)
        let expected = data.indices.map { i -> Float in
            let value = data[i] + bias[i % columns]
            return activation == .relu ? max(value, 0) : value
        }
        #expect(out == expected)
    }

    var sums = [Float](repeating: .nan, count: columns)
    Kernels.columnSums(data, rows: rows, columns: columns, into: &sums)
    let expectedSums = (0..<columns).map { j in (0..<rows).reduce(Float(0)) { $0 + data[$1 * columns + j] } }
    #expect(maxAbsoluteDifference(sums, expectedSums) <= 1e-6 * Float(rows) + 1e-6)
}

@Test("sum is accurate", arguments: counts)
func sumMatchesDouble(count: Int) {
    let x = randomFloats(count, seed: 56).map { $0 + 0.5 }
    let expected = x.reduce(0.0) { $0 + Double($1) }
    #expect(abs(Double(Kernels.sum(x, count: count)) - expected) <= 1e-6 * abs(expected) + 1e-6)
}

@Test func sumOfManyEqualValuesIsExact() {
    // Naive Float accumulation of 10⁷ × 0.1 drifts by about 1%; blocked Double accumulation does not.
    let x = [Float](repeating: 0.1, count: 10_000_000)
    #expect(abs(Kernels.sum(x, count: x.count) - 1_000_000) < 1)
}

@Test("blendRows", arguments: counts)
func blendRowsMatchesLoop(columns: Int) {
    // Five rows blended with a permutation that keeps row 3 in place; λ 1 keeps a row, λ 0 takes its partner.
    let (rows, partners, weights) = (5, [2, 0, 4, 3, 1], [Float(0.3), 1, 0, 0.5, 0.9])
    let x = randomFloats(rows * columns, seed: 56)
    var out = [Float](repeating: .nan, count: rows * columns)
    Kernels.blendRows(x, partners: partners, weights: weights, rows: rows, columns: columns, &out)
    let expected = (0..<(rows * columns)).map { i -> Float in
        let (row, column) = (i / columns, i % columns)
        return x[i] * weights[row] + x[partners[row] * columns + column] * (1 - weights[row])
    }
    #expect(maxAbsoluteDifference(out, expected) < 1e-6)
    #expect(Array(out[columns..<(2 * columns)]) == Array(x[columns..<(2 * columns)]))
    #expect(Array(out[(2 * columns)..<(3 * columns)]) == Array(x[(4 * columns)..<(5 * columns)]))
}
