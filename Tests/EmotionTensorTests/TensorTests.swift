// Tensor value semantics (copy-on-write, reshape) and the seeded generator.

import Testing
@testable import EmotionTensor

@Suite struct TensorTests {
    @Test func initialisersSetShapeAndScalars() {
        let filled = Tensor(shape: [2, 3], repeating: 1.5)
        #expect(filled.count == 6)
        #expect(filled.rank == 2)
        #expect(filled.scalars == Array(repeating: 1.5, count: 6))
        let explicit = Tensor(shape: [3], scalars: [1, 2, 3])
        #expect(explicit.scalars == [1, 2, 3])
        let scalar = Tensor(scalar: 4)
        #expect(scalar.shape == [] && scalar.count == 1 && scalar.scalar == 4)
        #expect(Tensor(shape: [0, 5]).count == 0)
    }

    @Test func copiesAreIndependentAfterWrite() {
        let original = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        var copy = original
        copy.withUnsafeMutableBufferPointer { $0[0] = 100 }
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(copy.scalars == [100, 2, 3, 4])
    }

    @Test func uniqueTensorIsWrittenInPlace() {
        var tensor = Tensor(shape: [3], repeating: 0)
        let before = tensor.withUnsafeBufferPointer { $0.baseAddress }
        tensor.withUnsafeMutableBufferPointer { $0[1] = 7 }
        let after = tensor.withUnsafeBufferPointer { $0.baseAddress }
        #expect(before == after)
        #expect(tensor.scalars == [0, 7, 0])
    }

    @Test func reshapeSharesStorageButNotWrites() {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var flat = matrix.reshaped(to: [6])
        #expect(flat.shape == [6])
        #expect(flat.withUnsafeBufferPointer { $0.baseAddress } == matrix.withUnsafeBufferPointer { $0.baseAddress })
        flat.withUnsafeMutableBufferPointer { $0[5] = 0 }
        #expect(matrix.scalars == [1, 2, 3, 4, 5, 6])
        #expect(flat.scalars == [1, 2, 3, 4, 5, 0])
    }

    @Test func equalityComparesShapeAndValues() {
        #expect(Tensor(shape: [2], scalars: [1, 2]) == Tensor(shape: [2], scalars: [1, 2]))
        #expect(Tensor(shape: [2], scalars: [1, 2]) != Tensor(shape: [1, 2], scalars: [1, 2]))
        #expect(Tensor(shape: [2], scalars: [1, 2]) != Tensor(shape: [2], scalars: [1, 3]))
    }

    @Test func argmaxPicksFirstLargestPerRow() {
        let scores = Tensor(shape: [3, 3], scalars: [0.1, 0.7, 0.2, 5, 5, 1, -3, -2, -1])
        #expect(scores.argmaxAlongLastAxis() == [1, 0, 2])
    }

    @Test func generatorMatchesReferenceXoshiro256StarStar() {
        // Reference: SplitMix64-seeded xoshiro256** for seed 0, computed independently in Python.
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0x99EC_5F36_CB75_F2B4)
        #expect(generator.next() == 0xBF6E_1F78_4956_452A)
        #expect(generator.next() == 0x1A5F_849D_4933_E6E0)
    }

    @Test func generatorIsReproducibleAndSeedsDiffer() {
        var a = SeededGenerator(seed: 123), b = SeededGenerator(seed: 123), c = SeededGenerator(seed: 124)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        let floats = (0..<1000).map { _ in a.nextUnitFloat() }
        #expect(floats.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(floats.reduce(0, +) / 1000 - 0.5) < 0.05)
        #expect(SeededGenerator.derivedSeed(1, index: 0) != SeededGenerator.derivedSeed(1, index: 1))
    }
}
