// The class-weighted, label-smoothed cross-entropy and the cosine schedule against Keras 3.15
// (Fixtures/weighted_ce.safetensors and cosine_decay.json, made by Fixtures/make_keras_fixtures.py).

import Foundation
import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct KerasFixtureTests {
    @Test(arguments: ["weighted", "smoothed", "weighted_smoothed"])
    func weightedSmoothedCrossEntropyMatchesKeras(_ name: String) throws {
        let contents = try loadFixture("weighted_ce.safetensors")
        #expect(contents.metadata["keras"]?.hasPrefix("3.15") == true)
        let labels = try #require(contents["\(name).labels"]).scalars.map { Int32($0) }
        let options = CrossEntropyOptions(classWeights: try #require(contents["\(name).class_weights"]).scalars,
                                          labelSmoothing: try #require(contents["\(name).smoothing"]).scalar)
        let tape = Tape()
        let logits = tape.variable(try #require(contents["\(name).logits"]))
        let (loss, _) = softmaxCrossEntropy(logits: logits, labels: labels, options: options)
        let expectedLoss = try #require(contents["\(name).loss"]).scalar
        #expect(abs(loss.value.scalar - expectedLoss) <= 1e-5 * max(1, abs(expectedLoss)), "\(name) loss")
        let gradient = try #require(tape.gradients(of: loss)[logits])
        let expectedGradient = try #require(contents["\(name).dlogits"])
        #expect(maxAbsoluteDifference(gradient, expectedGradient) <= 1e-6, "\(name) gradient")
        // Keras divides by the batch size, not by the weights' sum: the plain loss differs.
        if options.classWeights != [1, 1, 1, 1] {
            let plain = softmaxCrossEntropy(logits: Variable(logits.value), labels: labels,
                                            options: CrossEntropyOptions(labelSmoothing: options.labelSmoothing)).loss
            #expect(abs(plain.value.scalar - expectedLoss) > 1e-2)
        }
    }

    private struct CosineFixture: Decodable {
        struct Schedule: Decodable {
            struct Settings: Decodable {
                let initial_learning_rate: Float
                let decay_steps: Int
                let alpha: Float?
                let warmup_target: Float?
                let warmup_steps: Int?
            }
            let settings: Settings
            let values: [Float]
        }
        let schedules: [Schedule]
    }

    @Test func cosineDecayMatchesKerasSchedule() throws {
        let data = try Data(contentsOf: fixtureURL("cosine_decay.json"))
        let fixture = try JSONDecoder().decode(CosineFixture.self, from: data)
        #expect(fixture.schedules.count == 3)
        for schedule in fixture.schedules {
            let s = schedule.settings
            let cosine = s.warmup_target.map {
                CosineDecay(peak: $0, warmupSteps: s.warmup_steps ?? 0, decaySteps: s.decay_steps,
                            initial: s.initial_learning_rate, alpha: s.alpha ?? 0)
            } ?? CosineDecay(peak: s.initial_learning_rate, decaySteps: s.decay_steps, alpha: s.alpha ?? 0)
            for (step, expected) in schedule.values.enumerated() {
                let rate = cosine.learningRate(atStep: step)
                // Keras works in float32: its cosine is off by up to ~1e-7 of the peak near the end of the decay.
                #expect(abs(rate - expected) <= 1e-6 * expected + 1e-7 * cosine.peak, "\(s) step \(step): \(rate) vs \(expected)")
            }
        }
    }

    @Test func cosineDecayFollowsItsFormula() {
        // 2 warm-up epochs and 8 decaying ones of 5 steps, from 1e-4 up to 1e-3 and down to 1e-5 (α 0.01).
        let cosine = CosineDecay(peak: 1e-3, epochs: 10, stepsPerEpoch: 5, warmupEpochs: 2, initial: 1e-4, alpha: 0.01)
        #expect(cosine.warmupSteps == 10 && cosine.decaySteps == 40)
        #expect(cosine.learningRate(atStep: 0) == 1e-4)
        #expect(abs(cosine.learningRate(atStep: 5) - 5.5e-4) < 1e-9)  // half-way up
        #expect(cosine.learningRate(atStep: 10) == 1e-3)
        #expect(abs(cosine.learningRate(atStep: 30) - 1e-3 * (0.99 * 0.5 + 0.01)) < 1e-9)  // half-way down
        #expect(abs(cosine.learningRate(atStep: 50) - 1e-5) < 1e-10)
        #expect(cosine.learningRate(atStep: 500) == cosine.learningRate(atStep: 50))
        let rates = (10...50).map(cosine.learningRate(atStep:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 }, "decays monotonically")
        #expect(ConstantLearningRate(3e-4).learningRate(atStep: 12345) == 3e-4)
    }
}
