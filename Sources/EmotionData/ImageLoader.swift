// Turning listed image files into batches of model input as they are needed: each batch is read, decoded,
// resized (and, for training, augmented) and scaled on worker threads a few batches ahead of the step that
// needs it, so decoding overlaps training, and memory depends on the batch size, the look-ahead and the
// cache budget, never on the number of files. Files that cannot be decoded are skipped with one warning.

import Dispatch
import EmotionTensor
import Foundation
import ImageCodecs

/// A listed file that was left out because it could not be read or decoded.
public struct SkippedFile: Codable, Sendable, Equatable {
    /// Path relative to the data folder (or as the user gave it).
    public let file: String
    /// What went wrong, e.g. "it is a WebP image; supported: JPEG, PNG, BMP, GIF".
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
}

/// One batch of model input.
public struct ImageBatch: Sendable {
    /// `[n, height, width, 3]`, NHWC, as the preprocessing makes it; skipped files left out.
    public let inputs: Tensor
    /// The class index of each row.
    public let labels: [Int32]
    /// Where each row's file is in the list the batch was cut from.
    public let positions: [Int]
    /// The files of this batch that could not be used, in batch order.
    public let skipped: [SkippedFile]
}

/// Makes batches of model input from image files for one preprocessing. Prepared images are kept in
/// `cache` (within its budget) for later passes; a file that fails is remembered and warned about once:
/// `Warning: skipping anger/x.jpg: it is a WebP image; supported: JPEG, PNG, BMP, GIF`.
public final class ImageLoader: Sendable {
    public let preprocessing: Preprocessing
    public let cache: ImageCache
    /// How many batches are prepared ahead of the one being used.
    public let lookahead: Int
    private let warn: @Sendable (String) -> Void

    public init(
        preprocessing: Preprocessing, cache: ImageCache = ImageCache(budget: MemorySize(bytes: 0)), lookahead: Int = 2,
        warn: @escaping @Sendable (String) -> Void
    ) {
        precondition(lookahead >= 1, "ImageLoader: the look-ahead must be at least one batch")
        self.preprocessing = preprocessing
        self.cache = cache
        self.lookahead = lookahead
        self.warn = warn
    }

    /// The batches of `files` taken in `order` (positions into `files`; all of them in list order by
    /// default), `batchSize` positions per batch, from batch `first` on. `augment(position, pixels)`, when
    /// given, transforms each resized image (0...255 values) before scaling; it must depend only on its
    /// arguments, so that batches are the same whatever the thread timing.
    public func batches(
        of files: [LabeledFile], order: [Int]? = nil, batchSize: Int, startingAt first: Int = 0,
        augment: (@Sendable (_ position: Int, _ pixels: UnsafeMutablePointer<Float>) -> Void)? = nil
    ) -> ImageBatchStream {
        precondition(batchSize > 0, "ImageLoader: the batch size must be positive")
        let order = order ?? Array(files.indices)
        let batchCount = (order.count + batchSize - 1) / batchSize
        return ImageBatchStream(batchCount: batchCount, first: first, lookahead: lookahead) { [self] batch in
            let positions = Array(order[(batch * batchSize)..<min(order.count, (batch + 1) * batchSize)])
            return makeBatch(files, positions: positions, augment: augment)
        }
    }

    /// Decodes and prepares `positions` of `files` in parallel into one batch.
    private func makeBatch(
        _ files: [LabeledFile], positions: [Int],
        augment: (@Sendable (_ position: Int, _ pixels: UnsafeMutablePointer<Float>) -> Void)?
    ) -> ImageBatch {
        let rowSize = preprocessing.height * preprocessing.width * 3
        var inputs = Tensor(uninitializedShape: [positions.count, preprocessing.height, preprocessing.width, 3])
        var failures = [String?](repeating: nil, count: positions.count)
        let known = positions.map { cache.lookUp(files[$0].url.path) }
        inputs.withUnsafeMutableBufferPointer { rows in
            failures.withUnsafeMutableBufferPointer { failed in
                // Each worker writes only its own row and its own failure slot.
                nonisolated(unsafe) let (rows, failed) = (rows, failed)
                let prepareRow = { @Sendable [self] (row: Int) in
                    let position = positions[row]
                    switch known[row] ?? loaded(files[position]) {
                    case .success(let image):
                        preprocessing.writeModelInput(of: image, to: rows.baseAddress! + row * rowSize) { pixels in
                            augment?(position, pixels)
                        }
                    case .failure(let failure):
                        failed[row] = failure.reason
                    }
                }
                // A batch served from the cache is cheap (copies or small resizes): made on this one thread,
                // it leaves the other cores to the training step, whose parallel kernels wait for their
                // slowest thread.
                if known.allSatisfy({ $0 != nil }) {
                    positions.indices.forEach(prepareRow)
                } else {
                    DispatchQueue.concurrentPerform(iterations: positions.count, execute: prepareRow)
                }
            }
        }
        let kept = failures.indices.filter { failures[$0] == nil }
        let skipped = failures.indices.compactMap { row in
            failures[row].map { SkippedFile(file: files[positions[row]].relativePath, reason: $0) }
        }
        return ImageBatch(
            inputs: kept.count == positions.count ? inputs : inputs.rows(kept),
            labels: kept.map { Int32(files[positions[$0]].label) },
            positions: kept.map { positions[$0] },
            skipped: skipped)
    }

    /// `file` read, decoded and prepared (and cached if it fits), for a file the cache does not know.
    private func loaded(_ file: LabeledFile) -> Result<PreparedImage, FileFailure> {
        let path = file.url.path
        switch Self.decode(file.url) {
        case .success(let image):
            let prepared = preprocessing.prepared(image)
            cache.insert(prepared, for: path)
            return .success(prepared)
        case .failure(let failure):
            if cache.recordFailure(failure.reason, for: path) {
                warn("Warning: skipping \(file.relativePath): \(failure.reason)")
            }
            return .failure(failure)
        }
    }

    /// Reads and decodes one file (EXIF orientation applied), or says why it cannot be used ("it is a WebP
    /// image; supported: …"), as the loader reports skipped files.
    public static func decode(_ url: URL) -> Result<Image, FileFailure> {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            return .failure(FileFailure(reason: "cannot read the file (\(error.localizedDescription))"))
        }
        do {
            let image = try decodeImage(bytes)
            guard image.width > 0 && image.height > 0 else { return .failure(FileFailure(reason: "the image has no pixels")) }
            return .success(image)
        } catch {
            return .failure(FileFailure(reason: String(describing: error)))
        }
    }

    /// The files of `files` that cannot be read or decoded, in list order, found by decoding every file (on
    /// all cores, `chunk` files at a time, nothing kept), without resizing. `progress(done)` is called
    /// after each chunk.
    public static func undecodableFiles(
        _ files: [LabeledFile], chunk: Int = 64, progress: (Int) -> Void = { _ in }
    ) -> [SkippedFile] {
        var skipped: [SkippedFile] = []
        var start = 0
        while start < files.count {
            let part = Array(files[start..<min(files.count, start + chunk)])
            var reasons = [String?](repeating: nil, count: part.count)
            reasons.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                DispatchQueue.concurrentPerform(iterations: part.count) { index in
                    if case .failure(let failure) = decode(part[index].url) { slots[index] = failure.reason }
                }
            }
            for (file, reason) in zip(part, reasons) {
                if let reason { skipped.append(SkippedFile(file: file.relativePath, reason: reason)) }
            }
            start += part.count
            progress(start)
        }
        return skipped
    }
}

/// The batches of one pass, made on a background thread up to `lookahead` batches ahead of `next()`.
/// Batches come out in order and are the same whatever the thread timing. Dropping the stream stops the
/// work that is left.
public final class ImageBatchStream: Sequence, IteratorProtocol {
    /// State shared with the producer thread, which must not keep the stream itself alive.
    private final class Shared: @unchecked Sendable {
        // @unchecked: `ready` and `cancelled` are only touched with `condition` locked.
        let condition = NSCondition()
        var ready: [Int: ImageBatch] = [:]
        var consumed: Int
        var cancelled = false

        init(consumed: Int) {
            self.consumed = consumed
        }
    }

    private let shared: Shared
    private let batchCount: Int
    private var nextBatch: Int

    init(batchCount: Int, first: Int, lookahead: Int, make: @escaping @Sendable (Int) -> ImageBatch) {
        self.batchCount = batchCount
        nextBatch = first
        let shared = Shared(consumed: first)
        self.shared = shared
        guard first < batchCount else { return }
        Thread.detachNewThread {
            for batch in first..<batchCount {
                shared.condition.lock()
                while batch - shared.consumed >= lookahead && !shared.cancelled { shared.condition.wait() }
                let cancelled = shared.cancelled
                shared.condition.unlock()
                if cancelled { return }
                let made = make(batch)
                shared.condition.lock()
                shared.ready[batch] = made
                shared.condition.broadcast()
                shared.condition.unlock()
            }
        }
    }

    deinit {
        shared.condition.lock()
        shared.cancelled = true
        shared.condition.broadcast()
        shared.condition.unlock()
    }

    /// Batches in the pass (including those before the first one asked for).
    public var count: Int { batchCount }

    /// The next batch, waiting for it if it is not ready yet; nil after the last.
    public func next() -> ImageBatch? {
        guard nextBatch < batchCount else { return nil }
        shared.condition.lock()
        defer { shared.condition.unlock() }
        while shared.ready[nextBatch] == nil { shared.condition.wait() }
        let batch = shared.ready.removeValue(forKey: nextBatch)
        nextBatch += 1
        shared.consumed = nextBatch
        shared.condition.broadcast()
        return batch
    }
}
