// AdamW's choice of what decays, by parameter role, and Adam's state exported and restored exactly.

import Foundation
import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct AdamStateTests {
    /// A kernel and a bias with seeded values.
    func parameters(seed: UInt64) -> [Parameter] {
        [Parameter(name: "dense.kernel", role: .weight, value: randomTensor([3, 4], seed: seed)),
         Parameter(name: "dense.bias", role: .bias, value: randomTensor([4], seed: seed + 1))]
    }

    func gradients(step: Int, for parameters: [Parameter]) -> [Tensor] {
        parameters.enumerated().map { randomTensor($1.value.shape, seed: 100 + UInt64(10 * step + $0)) }
    }

    func step(_ optimizer: Adam, _ parameters: [Parameter], number: Int) {
        for (parameter, gradient) in zip(parameters, gradients(step: number, for: parameters)) {
            parameter.gradient = gradient
        }
        optimizer.step(parameters)
    }

    @Test func weightDecayShrinksOnlyWeights() {
        // With zero gradients the Adam term is 0, so one step multiplies the kernel by exactly 1 − lr·wd.
        let (kernel, bias) = (Parameter(name: "k", role: .weight, value: Tensor(shape: [9], repeating: 2)),
                              Parameter(name: "b", role: .bias, value: Tensor(shape: [9], repeating: 2)))
        let scale = Parameter(name: "bn.weight", role: .scale, value: Tensor(shape: [9], repeating: 2))
        for parameter in [kernel, bias, scale] { parameter.gradient = Tensor(shape: [9]) }
        let optimizer = Adam(learningRate: 0.1, weightDecay: 0.5)
        optimizer.step([kernel, bias, scale])
        #expect(kernel.value.scalars.allSatisfy { $0 == 2 * (1 - Float(0.1) * 0.5) })
        #expect(bias.value.scalars.allSatisfy { $0 == 2 } && scale.value.scalars.allSatisfy { $0 == 2 })
    }

    @Test func rolesOfLayerParameters() {
        let norm = BatchNorm2D()
        let model = Sequential(inputShape: [4, 4, 2], layers: [Conv2D(filters: 3, kernelSize: 3), norm, Flatten(), Dense(units: 2)])
        #expect(model.parameters.map(\.role) == [.weight, .bias, .scale, .bias, .buffer, .buffer, .weight, .bias])
        #expect(model.parameters.map(\.isTrainable) == [true, true, true, true, false, false, true, true])
    }

    @Test func restoredStateContinuesBitIdentically() throws {
        let (original, resumed) = (parameters(seed: 1), parameters(seed: 1))
        let optimizer = Adam(learningRate: 3e-3, weightDecay: 0.05)
        for number in 1...3 { step(optimizer, original, number: number) }
        let saved = optimizer.state
        optimizer.learningRate = 1e-3  // a schedule's change is part of the state too
        let savedAfterRateChange = optimizer.state
        #expect(saved.iterations == 3 && saved.moments.count == 2 && savedAfterRateChange.learningRate == 1e-3)

        // The resumed run starts from the original's values and the saved state.
        for (target, source) in zip(resumed, original) { target.value = source.value }
        let restored = Adam(learningRate: 0.5, weightDecay: 0.05)
        try restored.restore(savedAfterRateChange, parameters: resumed.reversed())
        #expect(restored.iterations == 3 && restored.learningRate == 1e-3)
        for number in 4...5 {
            step(optimizer, original, number: number)
            step(restored, resumed, number: number)
        }
        for (a, b) in zip(original, resumed) { #expect(a.value == b.value, "\(a.name)") }
        // The exported state was a copy: later steps did not change it.
        #expect(saved.iterations == 3 && saved != optimizer.state)
    }

    @Test func stateRoundTripsThroughSafeTensors() throws {
        let optimizer = Adam(learningRate: 0.0123456789)
        let model = parameters(seed: 2)
        for number in 1...2 { step(optimizer, model, number: number) }
        let state = optimizer.state
        let contents = state.safeTensors
        #expect(contents.tensors.map(\.name) == ["adam.m.dense.bias", "adam.m.dense.kernel", "adam.v.dense.bias", "adam.v.dense.kernel"])
        let decoded = try SafeTensors.decode(try SafeTensors.encode(contents))
        #expect(try AdamState(decoded, file: "checkpoint.safetensors") == state)
    }

    @Test func badStatesAreNamed() throws {
        let optimizer = Adam()
        let model = parameters(seed: 3)
        step(optimizer, model, number: 1)
        let state = optimizer.state
        let other = Adam()
        #expect(throws: AdamStateError.unknownParameter("dense.kernel")) {
            try other.restore(state, parameters: [model[1]])
        }
        var reshaped = state
        reshaped.moments["dense.bias"]!.second = Tensor(shape: [2, 2])
        #expect(throws: AdamStateError.shapeMismatch("dense.bias", expected: [4], found: [2, 2])) {
            try other.restore(reshaped, parameters: model)
        }
        #expect(other.iterations == 0, "a failed restore changes nothing")
        var contents = state.safeTensors
        contents.tensors.removeAll { $0.name == "adam.v.dense.kernel" }
        #expect(throws: AdamStateError.unpairedMoment("dense.kernel", file: "c.safetensors")) {
            try AdamState(contents, file: "c.safetensors")
        }
        contents.metadata = [:]
        #expect(throws: AdamStateError.missingMetadata(file: "c.safetensors")) {
            try AdamState(contents, file: "c.safetensors")
        }
    }
}
