// Adam: the Keras 3 optimizer (bias-corrected, "epsilon hat" form), with state per Parameter identity.

import EmotionKernels

/// Adam as Keras 3 implements it, step t counting from 1:
///   alpha = lr · sqrt(1 − β2^t) / (1 − β1^t)
///   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///   p ← p − alpha · m / (sqrt(v) + ε)
/// ε is added to sqrt(v) *after* the bias correction was folded into alpha ("epsilon hat" in Kingma & Ba),
/// so it differs from PyTorch's eps, which is added to sqrt(v̂). Defaults are Keras's.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Number of `step` calls so far (Keras's `iterations`).
    public private(set) var iterations = 0

    /// Moments of one parameter; holding the parameter keeps its ObjectIdentifier from being reused.
    private final class Moments {
        let parameter: Parameter
        var first: Tensor
        var second: Tensor

        init(_ parameter: Parameter) {
            self.parameter = parameter
            first = Tensor(shape: parameter.value.shape)
            second = Tensor(shape: parameter.value.shape)
        }
    }

    private var moments: [ObjectIdentifier: Moments] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Updates every trainable parameter that has a gradient, in place, and advances `iterations`.
    public func step(_ parameters: [Parameter]) {
        iterations += 1
        for parameter in parameters where parameter.isTrainable {
            guard let gradient = parameter.gradient else { continue }
            precondition(gradient.count == parameter.count,
                         "Adam: gradient \(gradient.shape) for parameter \(parameter.name) \(parameter.value.shape)")
            let state = moments[ObjectIdentifier(parameter)] ?? {
                let created = Moments(parameter)
                moments[ObjectIdentifier(parameter)] = created
                return created
            }()
            let count = parameter.count
            gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    state.first.withUnsafeMutableBufferPointer { m in
                        state.second.withUnsafeMutableBufferPointer { v in
                            Kernels.adamUpdate(
                                parameters: p.baseAddress!, gradients: g.baseAddress!, firstMoment: m.baseAddress!,
                                secondMoment: v.baseAddress!, count: count, learningRate: learningRate,
                                beta1: beta1, beta2: beta2, epsilon: epsilon, step: iterations)
                        }
                    }
                }
            }
        }
    }
}
