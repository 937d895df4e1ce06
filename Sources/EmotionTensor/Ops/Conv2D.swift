// conv2d: 2-D convolution with optional fused bias and ReLU, and its VJP (input, kernel and bias gradients).
//
// Legend: N batch, H/W input height/width, C input channels, O filters, KH/KW kernel size.
// Input NHWC [N, H, W, C], kernel HWIO [KH, KW, C, O], bias [O], output NHWC [N, OH, OW, O].

import EmotionKernels

/// Convolves `input` [N, H, W, C] with `kernel` [KH, KW, C, O], adds `bias` [O] and applies `activation`,
/// all in one kernel pass. `padding` is TensorFlow's (`.same`: output = ceil(input / stride)). ReLU6 and SiLU
/// are fused for passes that need no gradient (a folded batch norm's activation in inference).
public func conv2d(
    _ input: Variable, kernel: Variable, bias: Variable? = nil, strides: (Int, Int) = (1, 1),
    padding: Padding = .valid, activation: FusedActivation = .linear
) -> Variable {
    let shape = convolutionShape(input, kernel: kernel, bias: bias, strides: strides, padding: padding)
    precondition(activation == .linear || activation == .relu
                 || !(input.requiresGradient || kernel.requiresGradient || bias?.requiresGradient == true),
                 "conv2d: a fused \(activation) has no gradient here; use the separate op when training")
    let x = input.value, w = kernel.value
    var y = Tensor(uninitializedShape: [shape.batch, shape.outHeight, shape.outWidth, shape.outChannels])
    BufferPool.current.withScratch(Float.self, count: shape.workspaceCount) { workspace in
        x.withPointer { xp in
            w.withPointer { wp in
                y.withMutablePointer { yp in
                    withOptionalPointer(bias?.value) { bp in
                        Kernels.conv2dForward(shape, input: xp, kernel: wp, bias: bp, activation: activation,
                                              output: yp, workspace: workspace)
                    }
                }
            }
        }
    }

    let inputs = bias.map { [input, kernel, $0] } ?? [input, kernel]
    // The output is kept only when the ReLU backward needs it; both backward kernels apply that backward
    // (dy where y > 0, else 0) as they read dy, so no masked copy of dy is made.
    let reluOutput: Tensor? = activation == .relu ? y : nil
    return Variable.result(y, of: inputs) { dy, needs in
        return convolutionGradients(
            shape, input: x, kernel: w, hasBias: bias != nil, needs: needs,
            inputGradient: { dxp, workspace in
                dy.withPointer { dyp in
                    withOptionalPointer(reluOutput) { yp in
                        w.withPointer { wp in
                            Kernels.conv2dBackwardInput(shape, outputGradient: dyp, reluOutput: yp, kernel: wp,
                                                        inputGradient: dxp, workspace: workspace)
                        }
                    }
                }
            },
            kernelGradient: { xp, dwp, dbp, workspace in
                dy.withPointer { dyp in
                    withOptionalPointer(reluOutput) { yp in
                        Kernels.conv2dBackwardWeight(shape, input: xp, outputGradient: dyp, reluOutput: yp,
                                                     kernelGradient: dwp, biasGradient: dbp, workspace: workspace)
                    }
                }
            })
    }
}

/// The convolution of `input` [N, H, W, C] by `kernel` [KH, KW, C, O] (checked, with `bias` [O]).
func convolutionShape(
    _ input: Variable, kernel: Variable, bias: Variable?, strides: (Int, Int), padding: Padding
) -> Conv2DShape {
    let x = input.value, w = kernel.value
    precondition(x.rank == 4 && w.rank == 4 && x.shape[3] == w.shape[2],
                 "conv2d: input \(x.shape) and kernel \(w.shape) do not match (NHWC, HWIO)")
    let filters = w.shape[3]
    if let bias { precondition(bias.shape == [filters], "conv2d: bias \(bias.shape) for \(filters) filters") }
    let shape = Conv2DShape(
        batch: x.shape[0], height: x.shape[1], width: x.shape[2], inChannels: x.shape[3], outChannels: filters,
        kernelHeight: w.shape[0], kernelWidth: w.shape[1], strideY: strides.0, strideX: strides.1,
        padding: padding)
    precondition(shape.outHeight > 0 && shape.outWidth > 0, "conv2d: kernel \(w.shape) larger than input \(x.shape)")
    return shape
}

/// A convolution's [dx, dw(, db)] for the inputs `needs` asks for, from kernels that write them:
/// `inputGradient(dx, workspace)` and `kernelGradient(x, dw, db or nil, workspace)`, which always writes dw.
func convolutionGradients(
    _ shape: Conv2DShape, input x: Tensor, kernel w: Tensor, hasBias: Bool, needs: [Bool],
    inputGradient: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
    kernelGradient: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?,
                     UnsafeMutablePointer<Float>) -> Void
) -> [Tensor?] {
    BufferPool.current.withScratch(Float.self, count: shape.workspaceCount) { workspace in
        var dx: Tensor?
        if needs[0] {
            var gradient = Tensor(uninitializedShape: x.shape)
            gradient.withMutablePointer { inputGradient($0, workspace) }
            dx = gradient
        }
        let needsBias = hasBias && needs[2]
        var dw: Tensor?
        var db: Tensor?
        if needs[1] || needsBias {
            var kernelGradientTensor = Tensor(uninitializedShape: w.shape)
            var biasGradient = Tensor(uninitializedShape: needsBias ? [shape.outChannels] : [0])
            x.withPointer { xp in
                kernelGradientTensor.withMutablePointer { dwp in
                    biasGradient.withMutablePointer { dbp in kernelGradient(xp, dwp, needsBias ? dbp : nil, workspace) }
                }
            }
            dw = needs[1] ? kernelGradientTensor : nil
            db = needsBias ? biasGradient : nil
        }
        return hasBias ? [dx, dw, db] : [dx, dw]
    }
}

