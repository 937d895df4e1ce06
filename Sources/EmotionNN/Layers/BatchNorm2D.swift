// BatchNorm2D: batch normalisation over the channels of NHWC feature maps, PyTorch semantics, with an
// optional fused activation (the timm `BatchNormAct2d` unit of the EfficientNets).

/// The activation applied right after a batch norm (ReLU6 is fused into the normalising pass).
public enum NormActivation: String, Sendable, Codable {
    case linear, relu6, silu
}

/// PyTorch-style `BatchNorm2d` on NHWC inputs. Parameters, named like PyTorch so timm files load by name:
/// `<name>.weight` (gamma) and `<name>.bias` (beta), trainable; `<name>.running_mean` and
/// `<name>.running_var`, non-trainable state that is saved and loaded with the weights.
///
/// Training mode normalises with the batch mean and biased variance and then updates the running
/// statistics: running = (1 − momentum) · running + momentum · batch, using the UNBIASED batch variance
/// (M / (M − 1)), as PyTorch does. Inference mode, and training mode while `usesRunningStatistics` is set
/// (a frozen backbone, Keras' `trainable = False`), normalise with the running statistics instead.
public final class BatchNorm2D: Layer {
    public var name: String
    public let epsilon: Float
    /// PyTorch momentum: the weight of the new batch in the running statistics (TF's decay is 1 − momentum).
    public let momentum: Float
    public let activation: NormActivation
    /// When true, even training-mode passes use (and keep) the running statistics.
    public var usesRunningStatistics = false
    public private(set) var weight: Parameter?
    public private(set) var bias: Parameter?
    public private(set) var runningMean: Parameter?
    public private(set) var runningVariance: Parameter?

    /// `epsilon` defaults to PyTorch's 1e-5; the TensorFlow-trained EfficientNets use 1e-3.
    public init(epsilon: Float = 1e-5, momentum: Float = 0.1, activation: NormActivation = .linear, name: String = "") {
        precondition(epsilon > 0 && momentum >= 0 && momentum <= 1, "BatchNorm2D: epsilon or momentum out of range")
        self.epsilon = epsilon
        self.momentum = momentum
        self.activation = activation
        self.name = name
    }

    public var kerasClassName: String { "BatchNormalization" }

    public var parameters: [Parameter] { [weight, bias, runningMean, runningVariance].compactMap { $0 } }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        guard weight == nil else { return }
        precondition(!inputShape.isEmpty, "BatchNorm2D \(name): input shape \(inputShape) has no channel axis")
        let channels = inputShape[inputShape.count - 1]
        weight = Parameter(name: "\(name).weight", role: .scale, value: Tensor(shape: [channels], repeating: 1))
        bias = Parameter(name: "\(name).bias", role: .bias, value: Tensor(shape: [channels]))
        runningMean = Parameter(name: "\(name).running_mean", role: .buffer, value: Tensor(shape: [channels]))
        runningVariance = Parameter(name: "\(name).running_var", role: .buffer,
                                    value: Tensor(shape: [channels], repeating: 1))
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard let weight, let bias, let runningMean, let runningVariance else {
            preconditionFailure("BatchNorm2D \(name): used before build")
        }
        let (gamma, beta) = (weight.variable(on: x.tape), bias.variable(on: x.tape))
        guard !usesRunningStatistics(in: mode) else {
            return batchNormInference(x, gamma: gamma, beta: beta, mean: runningMean.value,
                                      variance: runningVariance.value, epsilon: epsilon, activation: opActivation)
        }
        let result = batchNormTraining(x, gamma: gamma, beta: beta, epsilon: epsilon, activation: opActivation)
        let count = x.value.count / max(x.shape.last ?? 1, 1)
        let unbiasing = count > 1 ? Float(count) / Float(count - 1) : 1
        runningMean.value = blend(runningMean.value, result.mean.scalars, scale: 1)
        runningVariance.value = blend(runningVariance.value, result.variance.scalars, scale: unbiasing)
        return result.output
    }

    /// Whether this pass normalises with the running statistics.
    public func usesRunningStatistics(in mode: Mode) -> Bool {
        mode == .inference || usesRunningStatistics
    }

    /// The activation as the batch-norm ops spell it.
    public var opActivation: BatchNormActivation {
        switch activation {
        case .linear: return .linear
        case .relu6: return .relu6
        case .silu: return .silu
        }
    }

    /// (1 − momentum) · running + momentum · scale · batch.
    private func blend(_ running: Tensor, _ batch: [Float], scale: Float) -> Tensor {
        Tensor(shape: running.shape, scalars: zip(running.scalars, batch).map {
            (1 - momentum) * $0 + momentum * scale * $1
        })
    }
}
