// batchNorm: per-channel batch normalisation of NHWC data, in training mode (batch statistics) and
// inference mode (given running statistics), with an optional fused ReLU6, and their VJPs.
//
// Legend: N batch, H/W height/width, C channels; M = N·H·W values per channel. x [N, H, W, C] (any rank
// whose last axis is C), gamma/beta/mean/variance [C]. y = (x − mean) · rstd · gamma + beta with
// rstd = 1 / sqrt(variance + epsilon). Training uses the batch mean and the biased batch variance
// (PyTorch's normalisation); the layer turns them into running statistics.

import EmotionKernels

/// The activation fused into the batch-norm output pass.
public enum BatchNormActivation: Sendable {
    case linear
    /// min(max(y, 0), 6); its backward needs only the output.
    case relu6
}

/// The result of a training-mode batch norm: the output and the batch statistics it normalised with.
public struct BatchNormTrainingResult {
    public let output: Variable
    /// Per-channel batch mean [C].
    public let mean: Tensor
    /// Per-channel biased batch variance [C] (divided by M).
    public let variance: Tensor
}

/// Training-mode batch norm: normalises with the statistics of this batch; gradients flow through the
/// statistics (PyTorch's BatchNorm backward) to x, and to gamma and beta.
public func batchNormTraining(
    _ input: Variable, gamma: Variable, beta: Variable, epsilon: Float, activation: BatchNormActivation = .linear
) -> BatchNormTrainingResult {
    let (rows, channels) = batchNormGeometry(input, gamma: gamma, beta: beta)
    var mean = Tensor(uninitializedShape: [channels]), variance = Tensor(uninitializedShape: [channels])
    input.value.withPointer { xp in
        mean.withMutablePointer { mp in
            variance.withMutablePointer { vp in
                Kernels.batchNormStatistics(xp, rows: rows, channels: channels, mean: mp, variance: vp)
            }
        }
    }
    let rstd = Tensor(shape: [channels], scalars: variance.scalars.map { 1 / ($0 + epsilon).squareRoot() })
    let output = normalize(input, gamma: gamma, beta: beta, mean: mean, rstd: rstd, activation: activation,
                           batchStatistics: true)
    return BatchNormTrainingResult(output: output, mean: mean, variance: variance)
}

/// Inference-mode batch norm with fixed statistics (the running mean and variance): an affine map per
/// channel. Gradients flow to x, gamma and beta (the statistics are constants).
public func batchNormInference(
    _ input: Variable, gamma: Variable, beta: Variable, mean: Tensor, variance: Tensor, epsilon: Float,
    activation: BatchNormActivation = .linear
) -> Variable {
    let (_, channels) = batchNormGeometry(input, gamma: gamma, beta: beta)
    precondition(mean.shape == [channels] && variance.shape == [channels],
                 "batchNorm: statistics \(mean.shape), \(variance.shape) for \(channels) channels")
    let rstd = Tensor(shape: [channels], scalars: variance.scalars.map { 1 / ($0 + epsilon).squareRoot() })
    return normalize(input, gamma: gamma, beta: beta, mean: mean, rstd: rstd, activation: activation,
                     batchStatistics: false)
}

private func batchNormGeometry(_ input: Variable, gamma: Variable, beta: Variable) -> (rows: Int, channels: Int) {
    let channels = input.shape.last ?? 0
    precondition(input.value.rank >= 2 && gamma.shape == [channels] && beta.shape == [channels],
                 "batchNorm: input \(input.shape), gamma \(gamma.shape), beta \(beta.shape) (channels last)")
    return (input.value.count / max(channels, 1), channels)
}

/// y = act((x − mean) · rstd · gamma + beta). With `batchStatistics`, mean and rstd are functions of x, and
/// the input gradient includes their terms.
private func normalize(
    _ input: Variable, gamma: Variable, beta: Variable, mean: Tensor, rstd: Tensor,
    activation: BatchNormActivation, batchStatistics: Bool
) -> Variable {
    let x = input.value
    let (rows, channels) = (x.count / max(x.shape.last ?? 1, 1), x.shape.last ?? 0)
    let (g, m, r) = (gamma.value.scalars, mean.scalars, rstd.scalars)
    let b = beta.value.scalars
    let scale = (0..<channels).map { g[$0] * r[$0] }
    let shift = (0..<channels).map { b[$0] - m[$0] * scale[$0] }
    var y = Tensor(uninitializedShape: x.shape)
    x.withPointer { xp in
        y.withMutablePointer { yp in
            Kernels.batchNormApply(xp, scale: scale, shift: shift, rows: rows, channels: channels,
                                   lower: activation == .relu6 ? 0 : -.infinity,
                                   upper: activation == .relu6 ? 6 : .infinity, output: yp)
        }
    }
    let activatedOutput: Tensor? = activation == .relu6 ? y : nil
    return Variable.result(y, of: [input, gamma, beta]) { dy, needs in
        let dz = activatedOutput.map { relu6Backward(dy, output: $0) } ?? dy
        var sum = Tensor(uninitializedShape: [channels]), dot = Tensor(uninitializedShape: [channels])
        x.withPointer { xp in
            dz.withPointer { dzp in
                sum.withMutablePointer { sp in
                    dot.withMutablePointer { dp in
                        Kernels.batchNormBackwardReduce(xp, outputGradient: dzp, mean: m, rstd: r, rows: rows,
                                                        channels: channels, gradientSum: sp, gradientDotNormalized: dp)
                    }
                }
            }
        }
        var dx: Tensor?
        if needs[0] {
            // Training: dx = gamma·rstd·(dz − Σdz/M − x̂·Σ(dz·x̂)/M), written as dz·a + x·b + c per channel.
            let (sums, dots) = (sum.scalars, dot.scalars)
            let count = Float(max(rows, 1))
            var inputScale = [Float](repeating: 0, count: channels)
            var constant = [Float](repeating: 0, count: channels)
            if batchStatistics {
                for c in 0..<channels {
                    inputScale[c] = -scale[c] * r[c] * dots[c] / count
                    constant[c] = -scale[c] * sums[c] / count - inputScale[c] * m[c]
                }
            }
            var gradient = Tensor(uninitializedShape: x.shape)
            dz.withPointer { dzp in
                x.withPointer { xp in
                    gradient.withMutablePointer { dxp in
                        Kernels.batchNormBackwardInput(outputGradient: dzp, input: xp, gradientScale: scale,
                                                       inputScale: inputScale, shift: constant, rows: rows,
                                                       channels: channels, inputGradient: dxp)
                    }
                }
            }
            dx = gradient
        }
        return [dx, needs[1] ? dot : nil, needs[2] ? sum : nil]
    }
}
