// The tape: accumulation when a value is used twice, skipped inputs, inference without a tape.

import EmotionTestSupport
import Testing
@testable import EmotionTensor

@Suite struct TapeTests {
    @Test func valueUsedTwiceAccumulatesGradients() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [3], scalars: [-1, 2, 3]))
        let y = sum(add(relu(x), x))  // d/dx = (x > 0 ? 1 : 0) + 1
        let gradients = tape.gradients(of: y)
        #expect(gradients[x]?.scalars == [1, 2, 2])
    }

    @Test func sameOperandTwiceInOneOp() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [2], scalars: [1, 5]))
        let gradients = tape.gradients(of: sum(x + x))
        #expect(gradients[x]?.scalars == [2, 2])
    }

    @Test func gradientCheckWithValueUsedTwice() {
        // x feeds two branches, and the kernel W is used by two dense ops in a row.
        let result = checkGradients(
            of: { v in add(dense(relu(v[0]), kernel: v[1]), dense(dense(v[0], kernel: v[1]), kernel: v[2])) },
            at: [randomTensorAwayFromZero([3, 4], seed: 1), randomTensor([4, 4], seed: 2),
                 randomTensor([4, 4], seed: 3)])
        #expect(result.passed, "\(result)")
    }

    @Test func keyedLeafIsOneNodeAcrossUses() {
        final class Key {}
        let key = Key()
        let tape = Tape()
        let weight = Tensor(shape: [2], scalars: [3, 4])
        let first = tape.variable(for: key, value: weight)
        let second = tape.variable(for: key, value: weight)
        let gradients = tape.gradients(of: sum(first + second + first))
        #expect(gradients[key: key]?.scalars == [3, 3])
    }

    @Test func constantsAndUnusedLeavesGetNoGradient() {
        let tape = Tape()
        let input = tape.constant(randomTensor([1, 4, 4, 2], seed: 4))
        let kernel = tape.variable(randomTensor([3, 3, 2, 2], seed: 5))
        let unused = tape.variable(Tensor(shape: [1], repeating: 1))
        let output = conv2d(input, kernel: kernel)
        #expect(output.requiresGradient)
        let gradients = tape.gradients(of: sum(output))
        #expect(gradients[input] == nil)
        #expect(gradients[kernel]?.shape == [3, 3, 2, 2])
        #expect(gradients[unused] == nil)
    }

    @Test func opsOnConstantsOnlyRecordNothing() {
        let tape = Tape()
        let output = relu(tape.constant(Tensor(shape: [2], scalars: [-1, 1])))
        #expect(!output.requiresGradient)
        #expect(output.tape === tape)
    }

    @Test func inferenceHasNoTape() {
        let x = Variable(Tensor(shape: [1, 2], scalars: [1, -2]))
        let w = Variable(Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]))
        let y = dense(x, kernel: w, activation: .relu)
        #expect(y.tape == nil && !y.requiresGradient)
        #expect(y.value.scalars == [1, 0])
    }

    @Test func seedGradientScalesBackward() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [2], scalars: [1, 2]))
        let gradients = tape.gradients(of: relu(x), seed: Tensor(shape: [2], scalars: [5, -7]))
        #expect(gradients[x]?.scalars == [5, -7])
    }
}
