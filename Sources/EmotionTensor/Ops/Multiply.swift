// multiplyChannels: x [N, H, W, C] times a per-image channel gate [N, C] broadcast over H and W (the
// squeeze-and-excitation rescale), and its VJP.

import EmotionKernels

/// y[n, h, w, c] = x[n, h, w, c] · gate[n, c].
public func multiplyChannels(_ input: Variable, by gate: Variable) -> Variable {
    let (x, g) = (input.value, gate.value)
    precondition(x.rank == 4 && g.shape == [x.shape[0], x.shape[3]],
                 "multiplyChannels: input \(x.shape) and gate \(g.shape) are not [N, H, W, C] and [N, C]")
    let (batch, pixels, channels) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    var y = Tensor(uninitializedShape: x.shape)
    x.withPointer { xp in
        g.withPointer { gp in
            y.withMutablePointer { yp in
                Kernels.multiplyChannels(xp, gate: gp, batch: batch, pixels: pixels, channels: channels, output: yp)
            }
        }
    }
    return Variable.result(y, of: [input, gate]) { dy, needs in
        var dx: Tensor?
        var dg: Tensor?
        dy.withPointer { dyp in
            if needs[0] {
                var gradient = Tensor(uninitializedShape: x.shape)
                g.withPointer { gp in
                    gradient.withMutablePointer { dxp in
                        Kernels.multiplyChannels(dyp, gate: gp, batch: batch, pixels: pixels, channels: channels,
                                                 output: dxp)
                    }
                }
                dx = gradient
            }
            if needs[1] {
                var gradient = Tensor(uninitializedShape: g.shape)
                x.withPointer { xp in
                    gradient.withMutablePointer { dgp in
                        Kernels.multiplyChannelsBackwardGate(outputGradient: dyp, input: xp, batch: batch,
                                                             pixels: pixels, channels: channels, gateGradient: dgp)
                    }
                }
                dg = gradient
            }
        }
        return [dx, dg]
    }
}
