// Forward and backward values against PyTorch 2.15 references (Fixtures/*.safetensors, made by
// Fixtures/make_fixtures.py; backward = gradients of Σ(out ⊙ r)). Tolerance: max |Δ| ≤ 1e-4 (float32).

import Foundation
import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct PyTorchFixtureTests {
    static let tolerance: Float = 1e-4

    /// Runs `function` on a tape with the fixture's inputs, seeds the backward pass with `<case>.r`, and
    /// compares the output and each input gradient with the fixture.
    func compare(
        _ contents: SafeTensors.Contents, _ name: String, inputs: [String], gradients: [String],
        _ function: ([Variable]) -> Variable
    ) throws {
        let tape = Tape()
        let variables = try inputs.map { tape.variable(try #require(contents["\(name).\($0)"], "\(name).\($0)")) }
        let output = function(variables)
        let expected = try #require(contents["\(name).y"])
        #expect(maxAbsoluteDifference(output.value, expected) <= Self.tolerance, "\(name) forward")
        let result = tape.gradients(of: output, seed: try #require(contents["\(name).r"]))
        for (variable, key) in zip(variables, gradients) {
            let reference = try #require(contents["\(name).\(key)"])
            let gradient = try #require(result[variable], "\(name) \(key) missing")
            #expect(maxAbsoluteDifference(gradient, reference) <= Self.tolerance,
                    "\(name) \(key): max difference \(maxAbsoluteDifference(gradient, reference))")
        }
    }

    @Test(arguments: [
        ("valid_s1", (1, 1), Padding.valid, FusedActivation.linear),
        ("same_s1", (1, 1), .same, .linear),
        ("valid_s2", (2, 2), .valid, .linear),
        ("same_s2", (2, 2), .same, .linear),
        ("same_k2x3_s1", (1, 1), .same, .linear),
        ("valid_s1_relu", (1, 1), .valid, .relu),
    ] as [(String, (Int, Int), Padding, FusedActivation)])
    func conv2dMatchesPyTorch(_ name: String, _ strides: (Int, Int), _ padding: Padding, _ activation: FusedActivation) throws {
        let contents = try loadFixture("conv2d.safetensors")
        try compare(contents, name, inputs: ["x", "kernel", "bias"], gradients: ["dx", "dkernel", "dbias"]) { v in
            conv2d(v[0], kernel: v[1], bias: v[2], strides: strides, padding: padding, activation: activation)
        }
    }

    @Test(arguments: [("pool2", 2, 2), ("pool3_s2", 3, 2)])
    func maxPoolMatchesPyTorch(_ name: String, _ poolSize: Int, _ stride: Int) throws {
        let contents = try loadFixture("maxpool.safetensors")
        try compare(contents, name, inputs: ["x"], gradients: ["dx"]) { v in
            maxPool2d(v[0], poolSize: poolSize, stride: stride)
        }
    }

    @Test(arguments: [("linear", FusedActivation.linear), ("relu", .relu)])
    func denseMatchesPyTorch(_ name: String, _ activation: FusedActivation) throws {
        let contents = try loadFixture("dense.safetensors")
        try compare(contents, name, inputs: ["x", "kernel", "bias"], gradients: ["dx", "dkernel", "dbias"]) { v in
            dense(v[0], kernel: v[1], bias: v[2], activation: activation)
        }
    }

    @Test func softmaxCrossEntropyMatchesPyTorch() throws {
        let contents = try loadFixture("softmax_ce.safetensors")
        let labels = try #require(contents["labels"]).scalars.map { Int32($0) }
        let tape = Tape()
        let logits = tape.variable(try #require(contents["logits"]))
        let (loss, probabilities) = softmaxCrossEntropy(logits: logits, labels: labels)
        let expectedLoss = try #require(contents["loss"])
        let expectedProbabilities = try #require(contents["probabilities"])
        let expectedGradient = try #require(contents["dlogits"])
        #expect(abs(loss.value.scalar - expectedLoss.scalar) <= 1e-4)
        #expect(maxAbsoluteDifference(probabilities, expectedProbabilities) <= 1e-6)
        let gradient = try #require(tape.gradients(of: loss)[logits])
        #expect(maxAbsoluteDifference(gradient, expectedGradient) <= 1e-6)
    }

    @Test func threeAdamStepsMatchKerasForm() throws {
        let contents = try loadFixture("adam.safetensors")
        let parameter = Parameter(name: "p", role: .weight, value: try #require(contents["p0"]))
        let optimizer = Adam()
        for step in 1...3 {
            parameter.gradient = try #require(contents["g\(step)"])
            optimizer.step([parameter])
            let expected = try #require(contents["p\(step)"])
            #expect(maxAbsoluteDifference(parameter.value, expected) <= 2e-6,
                    "step \(step): max difference \(maxAbsoluteDifference(parameter.value, expected))")
        }
        #expect(optimizer.iterations == 3)
    }

    @Test func threeAdamWStepsMatchPyTorchWithKerasEpsilon() throws {
        let contents = try loadFixture("adamw.safetensors")
        let weight = Parameter(name: "weight", role: .weight, value: try #require(contents["weight.p0"]))
        let bias = Parameter(name: "bias", role: .bias, value: try #require(contents["bias.p0"]))
        let optimizer = Adam(learningRate: 1e-2, weightDecay: 0.1)
        for step in 1...3 {
            weight.gradient = try #require(contents["weight.g\(step)"])
            bias.gradient = try #require(contents["bias.g\(step)"])
            optimizer.step([weight, bias])
            for parameter in [weight, bias] {
                let expected = try #require(contents["\(parameter.name).p\(step)"])
                #expect(maxAbsoluteDifference(parameter.value, expected) <= 2e-6,
                        "\(parameter.name) step \(step): max difference \(maxAbsoluteDifference(parameter.value, expected))")
            }
        }
    }

    @Test func tinyCNNMatchesPyTorchEndToEnd() throws {
        // Weights load by name (Keras layouts); Flatten must be NHWC order for the loss and gradients to match.
        let model = Sequential(inputShape: [8, 7, 3], layers: [
            Conv2D(filters: 4, kernelSize: 3, activation: .relu), MaxPool2D(poolSize: 2), Flatten(),
            Dense(units: 5, activation: .relu), Dense(units: 3, activation: .softmax),
        ])
        let (report, _) = try model.loadWeights(from: fixtureURL("tiny_cnn_weights.safetensors"))
        #expect(report.isExact)
        let reference = try loadFixture("tiny_cnn_reference.safetensors")
        let images = try #require(reference["x"])
        let labels = try #require(reference["labels"]).scalars.map { Int32($0) }
        let expectedProbabilities = try #require(reference["probabilities"])
        let expectedLoss = try #require(reference["loss"]).scalar
        #expect(maxAbsoluteDifference(model.predict(images), expectedProbabilities) <= 1e-5)

        let tape = Tape()
        let (loss, _) = softmaxCrossEntropy(logits: model.logits(tape.constant(images), mode: .training), labels: labels)
        #expect(abs(loss.value.scalar - expectedLoss) <= 1e-5)
        let gradients = tape.gradients(of: loss)
        for parameter in model.parameters {
            let expected = try #require(reference["grad.\(parameter.name)"])
            let gradient = try #require(gradients[key: parameter])
            #expect(maxAbsoluteDifference(gradient, expected) <= 1e-5, "\(parameter.name)")
        }
    }

    @Test func fixturesRecordTheirGenerator() throws {
        let contents = try loadFixture("adam.safetensors")
        #expect(contents.metadata["torch"]?.hasPrefix("2.15") == true)
        #expect(contents.metadata["generator"]?.hasSuffix("make_fixtures.py") == true)
    }
}
