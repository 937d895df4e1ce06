// MT19937 and the shuffle against NumPy's legacy RandomState (Fixtures/mt19937.json, made by
// Fixtures/make_fixtures.py with numpy 2.4.6).
import Testing
import EmotionData

private struct MT19937Fixture: Decodable {
    struct Shuffle: Decodable {
        let seed: UInt32
        let count: Int
        let permutation: [Int]
    }
    /// seed → output index → 32-bit output.
    let outputs: [String: [String: UInt32]]
    let shuffles: [Shuffle]
}

@Suite struct MersenneTwisterTests {
    private let fixture: MT19937Fixture

    init() throws {
        fixture = try jsonFixture("mt19937.json", as: MT19937Fixture.self)
    }

    @Test func outputsMatchNumPyRandomState() {
        #expect(fixture.outputs.count == 4)
        for (seedText, expected) in fixture.outputs {
            var generator = MersenneTwister(seed: UInt32(seedText)!)
            let last = expected.keys.compactMap { Int($0) }.max()!
            var outputs: [Int: UInt32] = [:]
            for index in 0...last { outputs[index] = generator.next() }
            for (indexText, value) in expected {
                #expect(outputs[Int(indexText)!] == value, "seed \(seedText), output \(indexText)")
            }
        }
    }

    @Test func shuffleMatchesNumPyRandomStateShuffle() {
        #expect(fixture.shuffles.count == 5)
        for shuffle in fixture.shuffles {
            var items = Array(0..<shuffle.count)
            items.shuffleLikeNumPy(seed: shuffle.seed)
            #expect(items == shuffle.permutation, "seed \(shuffle.seed), \(shuffle.count) items")
        }
    }

    @Test func intervalStaysInRangeAndReachesBothEnds() {
        var generator = MersenneTwister(seed: 5)
        var seen = Set<UInt32>()
        for _ in 0..<200 {
            let value = generator.interval(upTo: 4)
            #expect(value <= 4)
            seen.insert(value)
        }
        #expect(seen == [0, 1, 2, 3, 4])
        #expect(generator.interval(upTo: 0) == 0)
    }
}
