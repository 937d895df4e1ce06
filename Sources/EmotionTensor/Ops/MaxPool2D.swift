// maxPool2d: max pooling (valid padding) saving the argmax, and its VJP scattering through it.
//
// Legend: N batch, H/W input size, C channels, P pool size, S stride. NHWC in and out.

import EmotionKernels

/// Int32 indices of pooled maxima (flat, or window codes), kept alive by a pullback; pool memory like a
/// tensor's.
final class MaximaIndices {
    let pointer: UnsafeMutablePointer<Int32>
    private let block: BufferPool.Block
    private let pool = BufferPool.current

    init(count: Int) {
        block = pool.allocate(byteCount: max(count, 1) * MemoryLayout<Int32>.stride)
        pointer = block.pointer.bindMemory(to: Int32.self, capacity: max(count, 1))
    }

    deinit {
        pool.deallocate(block)
    }
}

/// Max over `poolSize`×`poolSize` windows of `input` [N, H, W, C] every `stride` (default `poolSize`) pixels,
/// valid padding (Keras MaxPooling2D's default): output [N, (H−P)/S+1, (W−P)/S+1, C].
public func maxPool2d(_ input: Variable, poolSize: Int = 2, stride: Int? = nil) -> Variable {
    let x = input.value
    precondition(x.rank == 4, "maxPool2d: input \(x.shape) is not NHWC")
    let shape = Pool2DShape(batch: x.shape[0], height: x.shape[1], width: x.shape[2], channels: x.shape[3],
                            poolSize: poolSize, stride: stride)
    precondition(shape.outHeight > 0 && shape.outWidth > 0, "maxPool2d: pool \(poolSize) larger than input \(x.shape)")
    var y = Tensor(uninitializedShape: [shape.batch, shape.outHeight, shape.outWidth, shape.channels])
    let argmax = MaximaIndices(count: shape.outputCount)
    x.withPointer { xp in
        y.withMutablePointer { yp in Kernels.maxPool2dForward(shape, input: xp, output: yp, argmax: argmax.pointer) }
    }
    let inputShape = x.shape
    return Variable.result(y, of: [input]) { dy, _ in
        var dx = Tensor(uninitializedShape: inputShape)
        dy.withPointer { dyp in
            dx.withMutablePointer { dxp in
                Kernels.maxPool2dBackward(shape, outputGradient: dyp, argmax: argmax.pointer, inputGradient: dxp)
            }
        }
        return [dx]
    }
}
