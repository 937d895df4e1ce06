// Where a training run's batches come from: image files streamed from disk (decoded on worker threads a few
// batches ahead, with a bounded cache), or rows already computed, such as the features a frozen backbone
// produced once.

import Foundation

/// A batch as a training step or an evaluation takes it.
public struct Batch: Sendable {
    /// `[n, …]` model input.
    public let inputs: Tensor
    /// The class index of each row.
    public let labels: [Int32]

    public init(inputs: Tensor, labels: [Int32]) {
        precondition(inputs.shape.first == labels.count, "Batch: \(labels.count) labels for inputs \(inputs.shape)")
        self.inputs = inputs
        self.labels = labels
    }
}

/// Samples that can be cut into batches in any order.
public protocol BatchSource: AnyObject {
    /// Samples in one pass (files that turn out unusable are left out of their batch when they are met).
    var sampleCount: Int { get }

    /// The batches of a pass over the samples at `order` (positions in 0..<sampleCount), `batchSize` per
    /// batch, from batch `first` on, as epoch `epoch` presents them (a source may show a sample differently
    /// each epoch, e.g. augmented; epoch 0 is evaluation: the samples as they are). The same arguments give
    /// the same batches.
    func batches(order: [Int], batchSize: Int, epoch: Int, startingAt first: Int) -> AnyIterator<Batch>
}

extension BatchSource {
    /// Batches a pass over `sampleCount` samples takes.
    public func batchCount(batchSize: Int) -> Int {
        (sampleCount + batchSize - 1) / batchSize
    }

    /// All samples in order, as evaluation takes them.
    public func evaluationBatches(batchSize: Int) -> AnyIterator<Batch> {
        batches(order: Array(0..<sampleCount), batchSize: batchSize, epoch: 0, startingAt: 0)
    }
}

/// Labelled image files, streamed through an `ImageLoader` (its cache keeps what later epochs reuse).
/// With `augment`, each training epoch shows every image transformed by `augment(epoch, position, pixels)`
/// (resized 0...255 values, before scaling); evaluation (epoch 0) shows them as they are.
public final class ImageFileSource: BatchSource {
    public let files: [LabeledFile]
    public let loader: ImageLoader
    private let augment: (@Sendable (_ epoch: Int, _ position: Int, _ pixels: UnsafeMutablePointer<Float>) -> Void)?

    public init(
        files: [LabeledFile], loader: ImageLoader,
        augment: (@Sendable (_ epoch: Int, _ position: Int, _ pixels: UnsafeMutablePointer<Float>) -> Void)? = nil
    ) {
        self.files = files
        self.loader = loader
        self.augment = augment
    }

    public var sampleCount: Int { files.count }

    /// The files met so far that could not be used, in list order.
    public var skippedFiles: [SkippedFile] {
        files.compactMap { file in
            loader.cache.failureReason(for: file.url.path).map { SkippedFile(file: file.relativePath, reason: $0) }
        }
    }

    public func batches(order: [Int], batchSize: Int, epoch: Int, startingAt first: Int) -> AnyIterator<Batch> {
        let transform = epoch > 0 ? augment.map { augment in
            { @Sendable (position: Int, pixels: UnsafeMutablePointer<Float>) in augment(epoch, position, pixels) }
        } : nil
        let stream = loader.batches(of: files, order: order, batchSize: batchSize, startingAt: first, augment: transform)
        return AnyIterator { stream.next().map { Batch(inputs: $0.inputs, labels: $0.labels) } }
    }
}

/// Rows held in memory: `views` views of each of `labels.count` samples, view v of sample i in row
/// v·count + i. Each training epoch shows every sample in one view drawn at random (from `seed` and the
/// epoch, in the order of the pass); evaluation shows view 0.
public final class TensorRowSource: BatchSource {
    public let rows: Tensor
    public let labels: [Int32]
    public let views: Int
    private let seed: UInt64

    public init(rows: Tensor, labels: [Int32], views: Int = 1, seed: UInt64 = 0) {
        precondition(views >= 1 && rows.shape.first == views * labels.count, "TensorRowSource: \(views) view(s) of each labelled row")
        self.rows = rows
        self.labels = labels
        self.views = views
        self.seed = seed
    }

    public var sampleCount: Int { labels.count }

    public func batches(order: [Int], batchSize: Int, epoch: Int, startingAt first: Int) -> AnyIterator<Batch> {
        var rowOrder = order
        if views > 1 && epoch > 0 {
            let drawn = Self.drawnViews(count: order.count, views: views, seed: seed, epoch: epoch)
            rowOrder = zip(order, drawn).map { $0 + labels.count * $1 }
        }
        var batch = first
        let batchCount = (order.count + batchSize - 1) / batchSize
        return AnyIterator { [rows, labels] in
            guard batch < batchCount else { return nil }
            let selected = Array(rowOrder[(batch * batchSize)..<min(rowOrder.count, (batch + 1) * batchSize)])
            batch += 1
            return Batch(inputs: rows.rows(selected), labels: selected.map { labels[$0 % labels.count] })
        }
    }

    /// The view a training epoch shows of each of the `count` samples of its pass, in the order of the pass.
    static func drawnViews(count: Int, views: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ viewStream, index: UInt64(epoch)))
        return (0..<count).map { _ in Int.random(in: 0..<views, using: &generator) }
    }

    private static let viewStream: UInt64 = 0x5649_4557_5321_2121
}

/// Image files streamed through an `ImageLoader`, shown in views as a `TensorRowSource` of every view's rows
/// shows them (the same view drawn for each sample and epoch), without holding those rows: for training on
/// the images themselves, whose views would take far more memory than their files. Sample k is the file at
/// `positions[k]` in `files`; `transforms[v]` makes view v of the resized image (0...255 values, before
/// scaling) from the file's position, nil for the image as it is. Evaluation (epoch 0) shows view 0.
public final class ImageViewSource: BatchSource {
    public typealias ViewTransform = @Sendable (_ position: Int, _ pixels: UnsafeMutablePointer<Float>) -> Void

    public let files: [LabeledFile]
    public let positions: [Int]
    public let loader: ImageLoader
    private let transforms: [ViewTransform?]
    private let seed: UInt64

    public init(files: [LabeledFile], positions: [Int], loader: ImageLoader, transforms: [ViewTransform?], seed: UInt64) {
        precondition(!transforms.isEmpty, "ImageViewSource: at least one view")
        self.files = files
        self.positions = positions
        self.loader = loader
        self.transforms = transforms
        self.seed = seed
    }

    public var sampleCount: Int { positions.count }
    public var views: Int { transforms.count }

    public func batches(order: [Int], batchSize: Int, epoch: Int, startingAt first: Int) -> AnyIterator<Batch> {
        let fileOrder = order.map { positions[$0] }
        var transform: ViewTransform? = transforms[0]
        if views > 1 && epoch > 0 {
            var viewOfPosition = [Int](repeating: 0, count: files.count)
            let drawn = TensorRowSource.drawnViews(count: order.count, views: views, seed: seed, epoch: epoch)
            for (position, view) in zip(fileOrder, drawn) { viewOfPosition[position] = view }
            transform = { [transforms, viewOfPosition] position, pixels in transforms[viewOfPosition[position]]?(position, pixels) }
        }
        let stream = loader.batches(of: files, order: fileOrder, batchSize: batchSize, startingAt: first, augment: transform)
        return AnyIterator { stream.next().map { Batch(inputs: $0.inputs, labels: $0.labels) } }
    }
}
