// Sequential: a stack of layers with Keras naming, a forward pass, a training step and an evaluation.

/// A Keras-style `Sequential` model. Layers left unnamed get Keras's names (`conv2d`, `conv2d_1`,
/// `max_pooling2d`, …) and are built on creation with seeded Keras initialisers.
public final class Sequential {
    public let name: String
    /// The input shape without the batch dimension, e.g. [100, 100, 3].
    public let inputShape: [Int]
    public let layers: [any Layer]
    /// The layers as a forward pass runs them: one at a time, except a Conv2D and the max pooling it `fuses`.
    public let stages: [Stage]
    /// The compiled inference pass, when the layers are ones an `InferencePlan` compiles.
    private var inferencePlan: InferencePlan?

    public init(name: String = "sequential", inputShape: [Int], layers: [any Layer], seed: UInt64 = 0) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        var taken = Set(layers.map(\.name).filter { !$0.isEmpty })
        var usedPerPrefix: [String: Int] = [:]
        for layer in layers where layer.name.isEmpty {
            let prefix = layer.defaultName
            var candidate: String
            repeat {
                let index = usedPerPrefix[prefix, default: 0]
                usedPerPrefix[prefix] = index + 1
                candidate = index == 0 ? prefix : "\(prefix)_\(index)"
            } while taken.contains(candidate)
            taken.insert(candidate)
            layer.name = candidate
        }
        precondition(taken.count == layers.count, "Sequential: duplicate layer names in \(layers.map(\.name))")
        var generator = SeededGenerator(seed: seed)
        var shape = inputShape
        for layer in layers {
            layer.build(inputShape: shape, generator: &generator)
            shape = layer.outputShape(forInputShape: shape)
        }
        stages = Stage.split(layers)
        reseedDropout(seed)
        inferencePlan = InferencePlan(self)
    }

    /// All parameters, layer by layer, named `<layer>.<kernel|bias>`.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The output shape without the batch dimension.
    public var outputShape: [Int] {
        layers.reduce(inputShape) { $1.outputShape(forInputShape: $0) }
    }

    /// Number of scalars in all parameters, and in the trainable ones.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public var trainableParameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.count } }

    /// The full forward pass (probabilities when the last layer is Dense with softmax).
    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        stages.reduce(x) { $1($0, mode: mode) }
    }

    /// The forward pass without the final softmax (when the last layer is Dense(softmax)), for the fused
    /// softmax cross-entropy. Other models' outputs are returned as they are and treated as logits.
    public func logits(_ x: Variable, mode: Mode) -> Variable {
        guard let last = layers.last as? Dense, last.activation == .softmax else { return self(x, mode: mode) }
        let hidden = stages.dropLast().reduce(x) { $1($0, mode: mode) }
        return last.logits(hidden, mode: mode)
    }

    /// Inference on a batch [N, inputShape…]: the model's output (probabilities for a softmax classifier).
    /// Runs the compiled inference pass (`InferencePlan`: no tape, conv + bias + ReLU + max-pool fused, pooled
    /// buffers) when the model's layers allow it, with the same values as the layer-by-layer pass.
    public func predict(_ images: Tensor) -> Tensor {
        inferencePlan?(images) ?? self(Variable(images), mode: .inference).value
    }

    /// One optimisation step on a batch: forward in training mode (dropout masks derived from
    /// `dropoutSeed`), mean softmax cross-entropy (with `loss`'s class weights and label smoothing), backward,
    /// `optimizer.step`. With `mixUp` the step sees the blended rows and its loss is
    /// λ·loss(own label) + (1 − λ)·loss(partner's label) per row. Returns the batch's mean loss (before the
    /// update) and how many rows the model classified correctly (a blended row by its larger share's label).
    public func trainStep(
        images: Tensor, labels: [Int32], optimizer: Adam, dropoutSeed: UInt64, loss options: CrossEntropyOptions = .none,
        mixUp: MixUp? = nil
    ) -> (loss: Float, correct: Int) {
        reseedDropout(dropoutSeed)
        zeroGradients()  // the last step's gradients would otherwise stay alive through this step's backward
        let tape = Tape()
        let input = mixUp.map { images.blendingRows(partners: $0.partners, weights: $0.weights) } ?? images
        let output = logits(tape.constant(input), mode: .training)
        var (loss, probabilities) = softmaxCrossEntropy(
            logits: output, labels: labels, options: options, sampleWeights: mixUp?.weights)
        if let mixUp {
            loss = loss + softmaxCrossEntropy(
                logits: output, labels: mixUp.partners.map { labels[$0] }, options: options,
                sampleWeights: mixUp.weights.map { 1 - $0 }).loss
        }
        let gradients = tape.gradients(of: loss)
        let parameters = self.parameters
        for parameter in parameters {
            parameter.gradient = parameter.isTrainable ? gradients[key: parameter] : nil
        }
        optimizer.step(parameters)
        return (loss.value.scalar, Self.correctCount(probabilities, labels: mixUp?.dominantLabels(labels) ?? labels))
    }

    /// Inference on a labelled batch: the mean softmax cross-entropy (with `loss`'s options; Keras's
    /// evaluation applies label smoothing but no class weights) and the probabilities [N, classes].
    public func evaluate(
        images: Tensor, labels: [Int32], loss options: CrossEntropyOptions = .none
    ) -> (loss: Float, probabilities: Tensor) {
        let output = inferencePlan.map { Variable($0(images, logits: true)) }
            ?? logits(Variable(images), mode: .inference)
        let (loss, probabilities) = softmaxCrossEntropy(logits: output, labels: labels, options: options)
        return (loss.value.scalar, probabilities)
    }

    /// How many rows of `probabilities` have their maximum at the label.
    public static func correctCount(_ probabilities: Tensor, labels: [Int32]) -> Int {
        zip(probabilities.argmaxAlongLastAxis(), labels).reduce(0) { $0 + ($1.0 == Int($1.1) ? 1 : 0) }
    }

    /// Sets every Dropout layer's mask seed from `seed` (and the layer's position), so the next
    /// training-mode pass draws reproducible masks.
    public func reseedDropout(_ seed: UInt64) {
        for (index, layer) in layers.enumerated() {
            (layer as? Dropout)?.seed = SeededGenerator.derivedSeed(seed, index: UInt64(index))
        }
    }

    /// Forgets all parameter gradients.
    public func zeroGradients() {
        parameters.forEach { $0.zeroGradient() }
    }
}

extension Sequential {
    /// One step of the forward pass: a layer, or a convolution and its max pooling in one kernel pass (the
    /// convolution's output, 202 MB a batch for task1-large's first layer, is then never stored).
    public enum Stage {
        case layer(any Layer)
        case pooledConvolution(Conv2D, MaxPool2D)

        /// The model's layers in stages.
        static func split(_ layers: [any Layer]) -> [Stage] {
            var stages: [Stage] = []
            var index = 0
            while index < layers.count {
                if let convolution = layers[index] as? Conv2D, index + 1 < layers.count,
                   let pool = layers[index + 1] as? MaxPool2D, convolution.fuses(pool) {
                    stages.append(.pooledConvolution(convolution, pool))
                    index += 2
                } else {
                    stages.append(.layer(layers[index]))
                    index += 1
                }
            }
            return stages
        }

        public var layers: [any Layer] {
            switch self {
            case let .layer(layer): [layer]
            case let .pooledConvolution(convolution, pool): [convolution, pool]
            }
        }

        public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
            switch self {
            case let .layer(layer): layer(x, mode: mode)
            case let .pooledConvolution(convolution, pool): convolution(x, pooledBy: pool)
            }
        }
    }
}
