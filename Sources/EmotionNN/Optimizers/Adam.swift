// Adam and AdamW: the Keras 3 optimizer (bias-corrected, "epsilon hat" form) with optional decoupled weight
// decay, its state per Parameter identity, exportable and restorable by parameter name (`AdamState`).

import EmotionKernels

/// Adam as Keras 3 implements it, step t counting from 1:
///   alpha = lr · sqrt(1 − β2^t) / (1 − β1^t)
///   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///   p ← p·(1 − lr·weightDecay) − alpha · m / (sqrt(v) + ε)
/// ε is added to sqrt(v) *after* the bias correction was folded into alpha ("epsilon hat" in Kingma & Ba),
/// so it differs from PyTorch's eps, which is added to sqrt(v̂). Defaults are Keras's.
public final class Adam {
    /// The rate of the next step; a schedule sets it before each step (`LearningRateSchedule`).
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Decoupled weight decay (AdamW; 0 is plain Adam): before its update, every `.weight` parameter is
    /// multiplied by 1 − learningRate·weightDecay, as Keras's `AdamW` and PyTorch's `AdamW` do. Biases,
    /// batch-norm scales and buffers never decay (the usual exclusion, e.g. timm's; Keras and PyTorch decay
    /// every parameter unless told otherwise), so the decay shrinks only the kernels that multiply inputs.
    public var weightDecay: Float
    /// Number of `step` calls so far (Keras's `iterations`).
    public private(set) var iterations = 0

    /// Moments of one parameter; holding the parameter keeps its ObjectIdentifier from being reused.
    private final class Moments {
        let parameter: Parameter
        var first: Tensor
        var second: Tensor

        init(_ parameter: Parameter, first: Tensor, second: Tensor) {
            self.parameter = parameter
            self.first = first
            self.second = second
        }
    }

    private var moments: [ObjectIdentifier: Moments] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Updates every trainable parameter that has a gradient, in place, and advances `iterations`.
    public func step(_ parameters: [Parameter]) {
        iterations += 1
        for parameter in parameters where parameter.isTrainable {
            guard let gradient = parameter.gradient else { continue }
            precondition(gradient.count == parameter.count,
                         "Adam: gradient \(gradient.shape) for parameter \(parameter.name) \(parameter.value.shape)")
            let state = moments[ObjectIdentifier(parameter)] ?? {
                let shape = parameter.value.shape
                let created = Moments(parameter, first: Tensor(shape: shape), second: Tensor(shape: shape))
                moments[ObjectIdentifier(parameter)] = created
                return created
            }()
            let count = parameter.count
            let decay = parameter.role == .weight ? weightDecay : 0
            gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    state.first.withUnsafeMutableBufferPointer { m in
                        state.second.withUnsafeMutableBufferPointer { v in
                            Kernels.adamUpdate(
                                parameters: p.baseAddress!, gradients: g.baseAddress!, firstMoment: m.baseAddress!,
                                secondMoment: v.baseAddress!, count: count, learningRate: learningRate,
                                beta1: beta1, beta2: beta2, epsilon: epsilon, step: iterations, weightDecay: decay)
                        }
                    }
                }
            }
        }
    }

    /// A copy of everything the next steps depend on besides the hyperparameters: the step count, the current
    /// learning rate and the moments of every parameter stepped so far, by parameter name.
    public var state: AdamState {
        AdamState(
            iterations: iterations, learningRate: learningRate,
            moments: Dictionary(uniqueKeysWithValues: moments.values.map {
                ($0.parameter.name, AdamState.Moments(first: $0.first, second: $0.second))
            }))
    }

    /// Replaces the state with `state`, matching its moments to `parameters` by name: the following steps
    /// are then those of the run `state` was taken from. Nothing changes when the state names a parameter
    /// that is not in `parameters` or has moments of another shape.
    public func restore(_ state: AdamState, parameters: [Parameter]) throws(AdamStateError) {
        guard state.iterations >= 0 else { throw .negativeIterations(state.iterations) }
        let byName = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var restored: [ObjectIdentifier: Moments] = [:]
        for (name, saved) in state.moments {
            guard let parameter = byName[name] else { throw .unknownParameter(name) }
            guard saved.first.shape == parameter.value.shape, saved.second.shape == parameter.value.shape else {
                throw .shapeMismatch(name, expected: parameter.value.shape,
                                     found: saved.first.shape == parameter.value.shape ? saved.second.shape : saved.first.shape)
            }
            restored[ObjectIdentifier(parameter)] = Moments(parameter, first: saved.first, second: saved.second)
        }
        moments = restored
        iterations = state.iterations
        learningRate = state.learningRate
    }
}
