// Early stopping and ReduceLROnPlateau on scripted metric curves, against Keras 3.15's callbacks run on the
// same curves (Fixtures/callbacks.json, made by Fixtures/make_callback_fixtures.py); their Codable state; and
// the best weights restored whatever ended training.

import Foundation
import Testing
import EmotionTestSupport
import EmotionNN
@testable import EmotionTraining

private struct CallbackFixture: Decodable {
    struct Settings: Decodable {
        let monitor: String
        let patience: Int?
        let min_delta: Double?
        let mode: String?
        let factor: Double?
        let cooldown: Int?
        let min_lr: Float?
    }
    struct EarlyStoppingCase: Decodable {
        struct Epoch: Decodable {
            let best: Double?
            let best_epoch: Int
            let wait: Int
            let stop: Bool
        }
        let name: String
        let settings: Settings
        let curve: [Double]
        let epochs: [Epoch]
    }
    struct PlateauCase: Decodable {
        struct Epoch: Decodable {
            let learning_rate: Float
            let wait: Int
            let cooldown_counter: Int
        }
        let name: String
        let settings: Settings
        let initial_learning_rate: Float
        let curve: [Double]
        let epochs: [Epoch]
    }
    let keras: String
    let early_stopping: [EarlyStoppingCase]
    let plateau: [PlateauCase]
}

private func loadCallbackFixture() throws -> CallbackFixture {
    let url = RepositoryPaths.fixtures().appendingPathComponent("callbacks.json")
    return try JSONDecoder().decode(CallbackFixture.self, from: Data(contentsOf: url))
}

private func monitor(_ settings: CallbackFixture.Settings, defaultMinDelta: Double) throws -> Monitor {
    Monitor(try #require(MonitoredMetric(rawValue: settings.monitor)), mode: settings.mode.flatMap(MonitorMode.init),
            minDelta: settings.min_delta ?? defaultMinDelta)
}

@Suite struct CallbackTests {
    @Test func earlyStoppingMatchesKeras() throws {
        let fixture = try loadCallbackFixture()
        #expect(fixture.keras.hasPrefix("3.15") && fixture.early_stopping.count == 6)
        for testCase in fixture.early_stopping {
            var stopping = EarlyStopping(monitor: try monitor(testCase.settings, defaultMinDelta: 0),
                                         patience: testCase.settings.patience ?? 0)
            var epochsRun = 0
            for (index, value) in testCase.curve.enumerated() {
                // Keras counts epochs from 0, the run from 1 as it prints them.
                let decision = stopping.update(epoch: index + 1, value: value)
                let expected = testCase.epochs[index]
                epochsRun += 1
                #expect(stopping.state.best == expected.best, "\(testCase.name) epoch \(index): best")
                #expect(stopping.state.bestEpoch == expected.best_epoch + 1, "\(testCase.name) epoch \(index): best epoch")
                #expect(stopping.state.wait == expected.wait, "\(testCase.name) epoch \(index): wait")
                #expect((decision == .stop) == expected.stop, "\(testCase.name) epoch \(index): stop")
                #expect((decision == .improved) == (expected.wait == 0), "\(testCase.name) epoch \(index): improved")
                if decision == .stop { break }
            }
            #expect(epochsRun == testCase.epochs.count, "\(testCase.name): epochs run")
        }
    }

    @Test func reduceLROnPlateauMatchesKeras() throws {
        let fixture = try loadCallbackFixture()
        #expect(fixture.plateau.count == 4)
        for testCase in fixture.plateau {
            let s = testCase.settings
            var plateau = ReduceLROnPlateau(
                monitor: try monitor(s, defaultMinDelta: 1e-4), factor: s.factor ?? 0.1, patience: s.patience ?? 10,
                cooldown: s.cooldown ?? 0, minLearningRate: s.min_lr ?? 0)
            var rate = testCase.initial_learning_rate
            for (index, value) in testCase.curve.enumerated() {
                rate = plateau.update(value: value, learningRate: rate)
                let expected = testCase.epochs[index]
                #expect(rate == expected.learning_rate, "\(testCase.name) epoch \(index): rate \(rate) vs \(expected.learning_rate)")
                #expect(plateau.state.wait == expected.wait, "\(testCase.name) epoch \(index): wait")
                #expect(plateau.state.cooldownCounter == expected.cooldown_counter, "\(testCase.name) epoch \(index): cooldown")
            }
        }
    }

    @Test func stateSurvivesACheckpointMidRun() throws {
        let curve = [1.0, 0.8, 0.85, 0.7, 0.75, 0.76, 0.74, 0.9, 0.95]
        var stopping = EarlyStopping(monitor: Monitor(minDelta: 0.01), patience: 3)
        var plateau = ReduceLROnPlateau(factor: 0.5, patience: 1, cooldown: 1)
        var rate: Float = 0.01
        var decisions: [EarlyStopping.Decision] = [], rates: [Float] = []
        for (index, value) in curve.enumerated() {
            decisions.append(stopping.update(epoch: index + 1, value: value))
            rate = plateau.update(value: value, learningRate: rate)
            rates.append(rate)
        }
        // The same curve with both values encoded to JSON and decoded after epoch 4.
        var resumedStopping = EarlyStopping(monitor: Monitor(minDelta: 0.01), patience: 3)
        var resumedPlateau = ReduceLROnPlateau(factor: 0.5, patience: 1, cooldown: 1)
        var resumedRate: Float = 0.01
        for (index, value) in curve.enumerated() {
            if index == 4 {
                resumedStopping = try JSONDecoder().decode(EarlyStopping.self, from: JSONEncoder().encode(resumedStopping))
                resumedPlateau = try JSONDecoder().decode(ReduceLROnPlateau.self, from: JSONEncoder().encode(resumedPlateau))
            }
            #expect(resumedStopping.update(epoch: index + 1, value: value) == decisions[index])
            resumedRate = resumedPlateau.update(value: value, learningRate: resumedRate)
            #expect(resumedRate == rates[index])
        }
        #expect(resumedStopping == stopping && resumedPlateau == plateau)
        #expect(decisions.last == .stop && stopping.state.bestEpoch == 4 && rates.last! < 0.01)
    }

    @Test func bestWeightsComeBackWhateverEndedTraining() {
        // No patience: training runs to its last epoch; keep best restores epoch 2's weights and buffers.
        let weight = Parameter(name: "w", role: .weight, value: Tensor(shape: [2], scalars: [0, 0]))
        let buffer = Parameter(name: "bn.running_mean", role: .buffer, value: Tensor(shape: [1], scalars: [0]))
        var stopping = EarlyStopping(monitor: Monitor(.validationAccuracy), patience: nil)
        var best: ParameterSnapshot?
        for (epoch, accuracy) in [0.4, 0.6, 0.55, 0.5].enumerated() {
            weight.value.withUnsafeMutableBufferPointer { $0[0] = Float(epoch + 1); $0[1] = -Float(epoch + 1) }
            buffer.value = Tensor(shape: [1], scalars: [Float(10 * (epoch + 1))])
            if stopping.update(epoch: epoch + 1, value: accuracy) == .improved {
                best = ParameterSnapshot([weight, buffer])
            }
        }
        #expect(stopping.state.stoppedEpoch == nil && stopping.state.bestEpoch == 2)
        best?.restore()
        #expect(weight.value.scalars == [2, -2] && buffer.value.scalars == [20])
    }

    @Test func monitorsFollowKerasModes() throws {
        #expect(Monitor(.validationLoss).mode == .min && Monitor(.accuracy).mode == .max)
        #expect(Monitor(.validationAccuracy, mode: .min).mode == .min)
        #expect(Monitor(.validationLoss, minDelta: -0.1).minDelta == 0.1)
        let record = EpochRecord(epoch: 3, accuracy: 0.9, loss: 0.3, validationAccuracy: 0.6, validationLoss: 1.1, seconds: 2)
        #expect(MonitoredMetric.allCases.map { $0.value(in: record) } == [0.3, 0.9, 1.1, 0.6])
        let noValidation = EpochRecord(epoch: 1, accuracy: 0.5, loss: 1, validationAccuracy: nil, validationLoss: nil, seconds: 1)
        #expect(MonitoredMetric.validationLoss.value(in: noValidation) == nil)
        let loss = Monitor(.validationLoss, minDelta: 0.1)
        #expect(loss.isImprovement(5, over: nil) && loss.isImprovement(0.79, over: 0.9) && !loss.isImprovement(0.8, over: 0.9))
        #expect(!loss.isImprovement(.nan, over: 0.9))
        #expect(try JSONDecoder().decode(MonitoredMetric.self, from: Data(#""val_accuracy""#.utf8)) == .validationAccuracy)
    }
}
