// batchNorm: per-channel batch normalisation of NHWC data, in training mode (batch statistics) and
// inference mode (given running statistics), with an optional fused ReLU6, and their VJPs.
//
// Legend: N batch, H/W height/width, C channels; M = N·H·W values per channel. x [N, H, W, C] (any rank
// whose last axis is C), gamma/beta/mean/variance [C]. y = (x − mean) · rstd · gamma + beta with
// rstd = 1 / sqrt(variance + epsilon). Training uses the batch mean and the biased batch variance
// (PyTorch's normalisation); the layer turns them into running statistics.

import EmotionKernels

/// The activation applied to the batch-norm output, fused into the normalising pass; the backward passes
/// recompute its input from x and apply its gradient as they read dy (no extra tensor either way).
public enum BatchNormActivation: Sendable {
    case linear
    /// min(max(y, 0), 6).
    case relu6
    /// y · sigmoid(y).
    case silu

    /// The kernels' spelling.
    var function: ChannelAffineActivation.Function {
        switch self {
        case .linear: .linear
        case .relu6: .clamp(lower: 0, upper: 6)
        case .silu: .silu
        }
    }

    /// The same activation as a convolution epilogue.
    var fused: FusedActivation {
        switch self {
        case .linear: .linear
        case .relu6: .relu6
        case .silu: .silu
        }
    }
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

/// An inference-mode batch norm as the per-channel affine map it is, y = x · scale + shift, with
/// scale = gamma / sqrt(variance + epsilon) and shift = beta − mean · scale: what folding the norm into the
/// preceding convolution multiplies its kernel by (per output channel) and adds as its bias.
public func foldedBatchNorm(
    gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
) -> (scale: [Float], shift: [Float]) {
    let (g, b, m, v) = (gamma.scalars, beta.scalars, mean.scalars, variance.scalars)
    precondition(b.count == g.count && m.count == g.count && v.count == g.count, "batchNorm: statistics of different lengths")
    let scale = g.indices.map { g[$0] / (v[$0] + epsilon).squareRoot() }
    let shift = g.indices.map { b[$0] - m[$0] * scale[$0] }
    return (scale, shift)
}

/// A bias-free convolution (regular HWIO, or depthwise [KH, KW, C, 1]) followed by an inference-mode batch
/// norm and `activation`, for passes that need no gradient (inference, frozen backbones). The norm is
/// folded into the regular conv (kernel scaled per output channel, shift as the fused bias, the activation
/// in the kernel's output pass), or applied with the activation as the depthwise kernel's epilogue: one
/// pass, no extra tensor.
public func convBatchNormInference(
    _ input: Tensor, kernel: Tensor, depthwise: Bool, strides: (Int, Int), padding: Padding, gamma: Tensor,
    beta: Tensor, mean: Tensor, variance: Tensor, epsilon: Float, activation: BatchNormActivation
) -> Tensor {
    let channels = gamma.count
    let (scale, shift) = foldedBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
    var y: Tensor
    if depthwise {
        // The folded norm and its activation run as the depthwise kernel's epilogue, on sums in registers.
        let shape = depthwiseShape(input, kernel, strides: strides, padding: padding)
        y = withActivation(activation.function, scale: scale, shift: shift) { epilogue in
            depthwiseConv2dValue(input, kernel: kernel, shape: shape, epilogue: epilogue)
        }
    } else {
        // Both kernel layouts have the output channel innermost, so element i scales by scale[i % channels].
        var folded = kernel
        folded.withMutablePointer { wp in
            for index in 0..<kernel.count { wp[index] *= scale[index % channels] }
        }
        y = conv2d(Variable(input), kernel: Variable(folded), bias: Variable(Tensor(shape: [channels], scalars: shift)),
                   strides: strides, padding: padding, activation: activation.fused).value
    }
    return y
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
    withActivation(activation.function, scale: scale, shift: shift) { map in
        x.withPointer { xp in
            y.withMutablePointer { yp in Kernels.batchNormApply(xp, map!, rows: rows, channels: channels, output: yp) }
        }
    }
    // The activation's gradient (ReLU6: dy where 0 < z < 6; SiLU: dy · silu'(z)) is applied on the fly by the
    // backward kernels, which recompute its input z from x, scale and shift.
    return Variable.result(y, of: [input, gamma, beta]) { dy, needs in
        var sum = Tensor(uninitializedShape: [channels]), dot = Tensor(uninitializedShape: [channels])
        var dx: Tensor?
        withActivation(activation == .linear ? nil : activation.function, scale: scale, shift: shift) { map in
            x.withPointer { xp in
                dy.withPointer { dyp in
                    sum.withMutablePointer { sp in
                        dot.withMutablePointer { dp in
                            Kernels.batchNormBackwardReduce(xp, outputGradient: dyp, activation: map,
                                                            mean: m, rstd: r, rows: rows, channels: channels,
                                                            gradientSum: sp, gradientDotNormalized: dp)
                        }
                    }
                    guard needs[0] else { return }
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
                    gradient.withMutablePointer { dxp in
                        Kernels.batchNormBackwardInput(outputGradient: dyp, activation: map, input: xp,
                                                       gradientScale: scale, inputScale: inputScale, shift: constant,
                                                       rows: rows, channels: channels, inputGradient: dxp)
                    }
                    dx = gradient
                }
            }
        }
        return [dx, needs[1] ? dot : nil, needs[2] ? sum : nil]
    }
}

/// `body` with the per-channel map f(x · scale + shift) for `function`, or nil when there is none.
private func withActivation<Result>(
    _ function: ChannelAffineActivation.Function?, scale: [Float], shift: [Float],
    _ body: (ChannelAffineActivation?) -> Result
) -> Result {
    guard let function else { return body(nil) }
    return scale.withUnsafeBufferPointer { scaleBuffer in
        shift.withUnsafeBufferPointer { shiftBuffer in
            body(ChannelAffineActivation(scale: scaleBuffer.baseAddress!, shift: shiftBuffer.baseAddress!,
                                         function: function))
        }
    }
}
