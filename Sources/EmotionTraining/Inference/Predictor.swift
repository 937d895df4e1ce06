// Batch inference over image files: decode and preprocess each batch as a model expects it (through
// ImageLoader, a few batches ahead), run the model, and hand on every file's class probabilities in order.

import Foundation
import EmotionNN
import ImageCodecs

/// The class probabilities of one image.
public struct Prediction: Sendable {
    public let image: InputImage
    /// One probability per class, in the model's class order.
    public let probabilities: [Float]

    public init(image: InputImage, probabilities: [Float]) {
        self.image = image
        self.probabilities = probabilities
    }

    /// The most probable class (the first one on a tie).
    public var classIndex: Int { top(1)[0].index }

    /// The `k` most probable classes, most probable first (ties in class order).
    public func top(_ k: Int) -> [(index: Int, probability: Float)] {
        probabilities.indices
            .sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            .prefix(k).map { ($0, probabilities[$0]) }
    }
}

/// Classifies image files with a model, `batchSize` images at a time.
public struct Predictor {
    public let preprocessing: Preprocessing
    public let batchSize: Int
    /// Model input [n, h, w, 3] as `preprocessing` makes it → probabilities [n, classes].
    private let classify: (Tensor) -> Tensor

    /// A saved classifier (its last layer a softmax): images preprocessed exactly as its config says, the
    /// probabilities those of the image or, with `tta`, their test-time-augmented mean.
    public init(model: Sequential, preprocessing: Preprocessing, batchSize: Int, tta: TestTimeAugmentation = .none) {
        precondition(batchSize > 0, "Predictor: the batch size must be positive")
        self.preprocessing = preprocessing
        self.batchSize = batchSize
        classify = { tta.probabilities(of: model, $0) }
    }

    /// The ImageNet classifier of a backbone (built with `classes`): images resized to `imageSize`²
    /// (an image already that size is fed as is), values v in 0...255 fed as v / 127.5 − 1, softmax of
    /// the logits.
    public init(backbone: EfficientNet, imageSize: Int = 224, batchSize: Int) {
        precondition(backbone.classifier != nil, "Predictor: the backbone has no classifier")
        precondition(batchSize > 0, "Predictor: the batch size must be positive")
        preprocessing = Preprocessing(height: imageSize, width: imageSize, scale: .raw)
        self.batchSize = batchSize
        classify = { batch in
            var input = batch
            input.withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] = values[i] / 127.5 - 1 }
            }
            return softmax(backbone.logits(Variable(input), mode: .inference)).value
        }
    }

    /// The class probabilities of decoded images (e.g. face crops), preprocessed as `preprocessing` says,
    /// in order, `batchSize` at a time.
    public func probabilities(of images: [Image]) -> [[Float]] {
        var rows: [[Float]] = []
        var start = 0
        while start < images.count {
            let chunk = images[start..<min(images.count, start + batchSize)]
            start += chunk.count
            let input = Tensor(shape: [chunk.count, preprocessing.height, preprocessing.width, 3],
                               scalars: chunk.flatMap(preprocessing.modelInput(from:)))
            let probabilities = classify(input)
            let classes = probabilities.shape.last ?? 0
            let scalars = probabilities.scalars
            rows += (0..<chunk.count).map { Array(scalars[($0 * classes)..<(($0 + 1) * classes)]) }
        }
        return rows
    }

    /// Decodes and classifies `images` in order, streaming: `each` gets every prediction as soon as its batch
    /// is done (the next batches are decoded meanwhile), so memory stays at a few batches however many images
    /// there are. Files that cannot be decoded are skipped and returned; `warn` gets a line for each
    /// (`Warning: skipping x.jpg: it is a WebP image; …`), from a loading thread.
    public func predict(
        _ images: [InputImage], warn: @escaping @Sendable (String) -> Void, each: (Prediction) -> Void
    ) -> [SkippedFile] {
        let files = images.map { LabeledFile(relativePath: $0.displayPath, url: $0.url, label: 0) }
        let loader = ImageLoader(preprocessing: preprocessing, warn: warn)
        var skipped: [SkippedFile] = []
        for batch in loader.batches(of: files, batchSize: batchSize) {
            skipped += batch.skipped
            guard !batch.positions.isEmpty else { continue }
            let probabilities = classify(batch.inputs)
            let classes = probabilities.shape.last ?? 0
            probabilities.withUnsafeBufferPointer { scalars in
                for (row, position) in batch.positions.enumerated() {
                    each(Prediction(image: images[position], probabilities: Array(scalars[(row * classes)..<((row + 1) * classes)])))
                }
            }
        }
        return skipped
    }
}
