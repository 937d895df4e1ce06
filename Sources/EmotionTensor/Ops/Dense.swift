// dense: x·W + b with an optional fused ReLU, and its VJP.
//
// Legend: N batch, I input features, O output units. x [N, I], kernel [I, O] (Keras layout), bias [O].

import EmotionKernels

/// `input` [N, I] times `kernel` [I, O], plus `bias` [O], then `activation` fused into the bias pass.
public func dense(
    _ input: Variable, kernel: Variable, bias: Variable? = nil, activation: FusedActivation = .linear
) -> Variable {
    let x = input.value, w = kernel.value
    precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
                 "dense: input \(x.shape) and kernel \(w.shape) do not match ([N, I] · [I, O])")
    let (rows, inFeatures, units) = (x.shape[0], w.shape[0], w.shape[1])
    if let bias { precondition(bias.shape == [units], "dense: bias \(bias.shape) for \(units) units") }
    precondition(activation == .linear || activation == .relu, "dense: fuses ReLU only, not \(activation)")

    var y = Tensor(uninitializedShape: [rows, units])
    x.withPointer { xp in
        w.withPointer { wp in
            y.withMutablePointer { yp in
                Kernels.sgemm(transA: false, transB: false, m: rows, n: units, k: inFeatures, alpha: 1,
                              a: xp, lda: inFeatures, b: wp, ldb: units, beta: 0, c: yp, ldc: units)
                if let b = bias?.value {
                    b.withPointer { bp in
                        Kernels.addBias(yp, bias: bp, rows: rows, columns: units, activation: activation)
                    }
                } else if activation == .relu {
                    Kernels.relu(yp, yp, count: rows * units)
                }
            }
        }
    }

    let inputs = bias.map { [input, kernel, $0] } ?? [input, kernel]
    // The output is kept only when the ReLU backward needs it.
    let reluOutput: Tensor? = activation == .relu ? y : nil
    return Variable.result(y, of: inputs) { dy, needs in
        let dz = reluOutput.map { reluBackward(dy, output: $0) } ?? dy
        var gradients: [Tensor?] = Array(repeating: nil, count: needs.count)
        dz.withPointer { dzp in
            if needs[0] {
                // dx = dz · Wᵀ
                var dx = Tensor(uninitializedShape: x.shape)
                w.withPointer { wp in
                    dx.withMutablePointer { dxp in
                        Kernels.sgemm(transA: false, transB: true, m: rows, n: inFeatures, k: units, alpha: 1,
                                      a: dzp, lda: units, b: wp, ldb: units, beta: 0, c: dxp, ldc: inFeatures)
                    }
                }
                gradients[0] = dx
            }
            if needs[1] {
                // dW = xᵀ · dz
                var dw = Tensor(uninitializedShape: w.shape)
                x.withPointer { xp in
                    dw.withMutablePointer { dwp in
                        Kernels.sgemm(transA: true, transB: false, m: inFeatures, n: units, k: rows, alpha: 1,
                                      a: xp, lda: inFeatures, b: dzp, ldb: units, beta: 0, c: dwp, ldc: units)
                    }
                }
                gradients[1] = dw
            }
            if needs.count > 2 && needs[2] {
                var db = Tensor(uninitializedShape: [units])
                db.withMutablePointer { dbp in Kernels.columnSums(dzp, rows: rows, columns: units, into: dbp) }
                gradients[2] = db
            }
        }
        return gradients
    }
}
