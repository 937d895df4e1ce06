// conv2dMaxPooled: a convolution (bias, ReLU) and the non-overlapping max pooling after it in one kernel pass,
// and its VJP straight from the pooled gradient. Equal to conv2d then maxPool2d in values and gradients, but
// the convolution's output (202 MB per batch for task1-large's first layer) is never stored: the forward keeps
// one window code per pooled value instead, and the backward kernels route the pooled gradient through them
// as they read it.
//
// Legend: as in Conv2D.swift, plus P the pool size (= its stride). Output NHWC [N, (OH−P)/P+1, (OW−P)/P+1, O].

import EmotionKernels

/// `maxPool2d(conv2d(input, kernel:, bias:, strides:, padding:, activation:), poolSize:)` in one pass, for
/// `activation` linear or ReLU and windows that do not overlap (stride = pool size, Keras's default).
public func conv2dMaxPooled(
    _ input: Variable, kernel: Variable, bias: Variable? = nil, strides: (Int, Int) = (1, 1),
    padding: Padding = .valid, activation: FusedActivation = .linear, poolSize: Int
) -> Variable {
    let shape = convolutionShape(input, kernel: kernel, bias: bias, strides: strides, padding: padding)
    precondition(activation == .linear || activation == .relu, "conv2dMaxPooled: \(activation) has no gradient here")
    let pool = shape.pooled(poolSize: poolSize, poolStride: poolSize)
    precondition(poolSize > 0 && pool.outHeight > 0 && pool.outWidth > 0,
                 "conv2dMaxPooled: pool \(poolSize) larger than the convolution's output")
    let x = input.value, w = kernel.value
    var y = Tensor(uninitializedShape: [pool.batch, pool.outHeight, pool.outWidth, pool.channels])
    let windows = MaximaIndices(count: pool.outputCount)
    let workspaceCount = shape.maxPooledWorkspaceCount(poolSize: poolSize, poolStride: poolSize)
    BufferPool.current.withScratch(Float.self, count: workspaceCount) { workspace in
        x.withPointer { xp in
            w.withPointer { wp in
                y.withMutablePointer { yp in
                    withOptionalPointer(bias?.value) { bp in
                        Kernels.conv2dForwardMaxPooled(
                            shape, poolSize: poolSize, poolStride: poolSize, input: xp, kernel: wp, bias: bp,
                            activation: activation, output: yp, windows: windows.pointer, workspace: workspace)
                    }
                }
            }
        }
    }
    let inputs = bias.map { [input, kernel, $0] } ?? [input, kernel]
    return Variable.result(y, of: inputs) { dy, needs in
        convolutionGradients(
            shape, input: x, kernel: w, hasBias: bias != nil, needs: needs,
            inputGradient: { dxp, workspace in
                dy.withPointer { dyp in
                    w.withPointer { wp in
                        Kernels.conv2dBackwardInput(shape, poolSize: poolSize, pooledGradient: dyp,
                                                    windows: windows.pointer, kernel: wp, inputGradient: dxp,
                                                    workspace: workspace)
                    }
                }
            },
            kernelGradient: { xp, dwp, dbp, workspace in
                dy.withPointer { dyp in
                    Kernels.conv2dBackwardWeight(shape, poolSize: poolSize, input: xp, pooledGradient: dyp,
                                                 windows: windows.pointer, kernelGradient: dwp, biasGradient: dbp,
                                                 workspace: workspace)
                }
            })
    }
}
