// InferencePlan: a Sequential model compiled for inference. No tape and no Variables; each convolution
// runs with its bias, ReLU and the max pooling after it in one kernel pass (Kernels.conv2dForwardMaxPooled),
// dropout is skipped, Flatten is a reinterpretation of the same NHWC memory, Dense layers are one sgemm and
// one bias + activation pass. Activations ping-pong between two buffers and every kernel takes its scratch
// from one workspace: a few blocks from the buffer pool per batch, so after the first batch of a size a
// batch allocates no new memory, and between batches the memory serves training.
//
// `Sequential.predict` and `Sequential.evaluate` run through a plan whenever the model's layers are ones it
// compiles (Conv2D, MaxPool2D, Dropout, Flatten, Dense), and layer by layer otherwise.

import EmotionKernels

/// The inference pass of a `Sequential` model. Weights are read when the plan runs, so it stays valid
/// while the model trains; the plan itself is immutable and may run on several threads at once.
final class InferencePlan: @unchecked Sendable {
    // @unchecked: the steps hold layer references, whose weights are only read.

    private enum Step {
        /// A convolution (its layer), its input [H, W, C], and the max pooling fused into it, if any.
        case convolution(Conv2D, input: [Int], pool: MaxPool2D?)
        /// A max pooling with nothing to fuse into, on input [H, W, C].
        case maxPool(MaxPool2D, input: [Int])
        case dense(Dense, inFeatures: Int)
    }

    /// The model's output shape per image.
    let outputShape: [Int]
    /// Whether the last layer is a softmax Dense (whose softmax the plan applies last, or leaves out).
    private let endsInSoftmax: Bool
    private let inputShape: [Int]
    private let steps: [Step]
    /// The largest activation one image produces on the way (floats).
    private let activationCount: Int

    /// nil when `model` has a layer the plan does not compile (or a softmax anywhere but on the last Dense).
    init?(_ model: Sequential) {
        var steps: [Step] = []
        var shape = model.inputShape
        var largestActivation = 1
        let layers = model.layers.filter { !($0 is Dropout) }  // the identity in inference
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            switch layer {
            case let conv as Conv2D:
                guard conv.kernel != nil, shape.count == 3 else { return nil }
                let pool = index + 1 < layers.count ? layers[index + 1] as? MaxPool2D : nil
                steps.append(.convolution(conv, input: shape, pool: pool))
                shape = conv.outputShape(forInputShape: shape)
                if let pool {
                    shape = pool.outputShape(forInputShape: shape)
                    index += 1
                }
            case let pool as MaxPool2D:
                guard shape.count == 3 else { return nil }
                steps.append(.maxPool(pool, input: shape))
                shape = pool.outputShape(forInputShape: shape)
            case is Flatten:
                shape = [shape.reduce(1, *)]
            case let dense as Dense:
                let isLast = index == layers.count - 1
                guard shape.count == 1, dense.kernel != nil, dense.activation != .softmax || isLast else { return nil }
                steps.append(.dense(dense, inFeatures: shape[0]))
                shape = [dense.units]
            default:
                return nil
            }
            guard shape.allSatisfy({ $0 > 0 }) else { return nil }
            largestActivation = max(largestActivation, shape.reduce(1, *))
            index += 1
        }
        guard !steps.isEmpty else { return nil }
        self.inputShape = model.inputShape
        self.outputShape = shape
        endsInSoftmax = (layers.last as? Dense)?.activation == .softmax
        self.steps = steps
        activationCount = largestActivation
    }

    /// The model's output for `images` [N, inputShape…], or with `logits` the values before a final softmax
    /// (as `Sequential.logits`).
    func callAsFunction(_ images: Tensor, logits: Bool = false) -> Tensor {
        let batch = images.shape.first ?? 0
        precondition(images.shape == [batch] + inputShape,
                     "InferencePlan: images \(images.shape) for a model on \(inputShape)")
        var result = Tensor(uninitializedShape: [batch] + outputShape)
        let pool = BufferPool.current
        pool.withScratch(Float.self, count: 2 * batch * activationCount) { activations in
            pool.withScratch(Float.self, count: workspaceCount(batch: batch)) { workspace in
                images.withUnsafeBufferPointer { imageBuffer in
                    var source = imageBuffer.baseAddress!
                    var (target, spare) = (activations, activations + batch * activationCount)
                    for step in steps {
                        run(step, batch: batch, input: source, output: target, workspace: workspace)
                        source = UnsafePointer(target)
                        swap(&target, &spare)
                    }
                    let classes = outputShape.reduce(1, *)
                    result.withUnsafeMutableBufferPointer { output in
                        if endsInSoftmax && !logits {
                            Kernels.softmax(source, rows: batch, classes: classes, output.baseAddress!)
                        } else {
                            output.baseAddress!.update(from: source, count: batch * classes)
                        }
                    }
                }
            }
        }
        return result
    }

    /// Floats of workspace the largest step needs for a batch (an unfused max pooling keeps its argmax there).
    private func workspaceCount(batch: Int) -> Int {
        steps.map { step -> Int in
            switch step {
            case let .convolution(conv, shape, pool):
                let s = Self.convolutionShape(conv, input: shape, batch: batch)
                return pool.map { s.maxPooledWorkspaceCount(poolSize: $0.poolSize, poolStride: $0.strides) }
                    ?? s.workspaceCount
            case let .maxPool(pool, shape):
                return batch * pool.outputShape(forInputShape: shape).reduce(1, *)
            case let .dense(dense, inFeatures):
                return Kernels.sgemmWorkspaceCount(m: batch, n: dense.units, k: inFeatures)
            }
        }.max() ?? 1
    }

    private func run(
        _ step: Step, batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        switch step {
        case let .convolution(conv, shape, pool):
            let kernel = conv.kernel!.value
            let s = Self.convolutionShape(conv, input: shape, batch: batch)
            kernel.withUnsafeBufferPointer { kernelBuffer in
                withOptionalPointer(conv.bias?.value) { bias in
                    if let pool {
                        Kernels.conv2dForwardMaxPooled(
                            s, poolSize: pool.poolSize, poolStride: pool.strides, input: input,
                            kernel: kernelBuffer.baseAddress!, bias: bias, activation: conv.activation.fused,
                            output: output, workspace: workspace)
                    } else {
                        Kernels.conv2dForward(s, input: input, kernel: kernelBuffer.baseAddress!, bias: bias,
                                              activation: conv.activation.fused, output: output, workspace: workspace)
                    }
                }
            }
        case let .maxPool(pool, shape):
            let s = Pool2DShape(batch: batch, height: shape[0], width: shape[1], channels: shape[2],
                                poolSize: pool.poolSize, stride: pool.strides)
            let argmax = UnsafeMutableRawPointer(workspace).bindMemory(to: Int32.self, capacity: s.outputCount)
            Kernels.maxPool2dForward(s, input: input, output: output, argmax: argmax)
        case let .dense(dense, inFeatures):
            let kernel = dense.kernel!.value
            let units = dense.units
            kernel.withUnsafeBufferPointer { kernelBuffer in
                Kernels.sgemm(transA: false, transB: false, m: batch, n: units, k: inFeatures, alpha: 1, a: input,
                              lda: inFeatures, b: kernelBuffer.baseAddress!, ldb: units, beta: 0, c: output,
                              ldc: units, workspace: workspace)
            }
            withOptionalPointer(dense.bias?.value) { bias in
                if let bias {
                    Kernels.addBias(output, bias: bias, rows: batch, columns: units, activation: dense.activation.fused)
                } else if dense.activation == .relu {
                    Kernels.relu(output, output, count: batch * units)
                }
            }
        }
    }

    private static func convolutionShape(_ conv: Conv2D, input: [Int], batch: Int) -> Conv2DShape {
        Conv2DShape(batch: batch, height: input[0], width: input[1], inChannels: input[2], outChannels: conv.filters,
                    kernelHeight: conv.kernelSize.height, kernelWidth: conv.kernelSize.width,
                    strideY: conv.strides.y, strideX: conv.strides.x, padding: conv.padding)
    }
}
