// Turning listed files into a batch of model input: read, decode, resize and scale them in parallel,
// skip (with a warning) the ones that cannot be decoded, and keep the results for the rest of the run.
import Dispatch
import EmotionTensor
import Foundation
import ImageCodecs

/// A listed file that was left out because it could not be read or decoded.
public struct SkippedFile: Codable, Sendable, Equatable {
    /// Path relative to the data folder.
    public let file: String
    /// What went wrong, e.g. "it is a WebP image; supported: JPEG, PNG, BMP, GIF".
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
}

/// The decoded images of a list of files, in the list's order, without the skipped ones.
public struct LoadedImages: Sendable {
    /// `[n, height, width, 3]`, NHWC, scaled as the preprocessing says.
    public let images: Tensor
    /// The class index of each image.
    public let labels: [Int32]
    /// The file of each image (skipped files left out).
    public let files: [LabeledFile]
    /// Files that could not be used, in list order.
    public let skipped: [SkippedFile]
}

/// Loads images for one preprocessing. Each file is decoded at most once per loader: its model input
/// (or why it failed) is kept, so later epochs and other subsets never decode again.
public final class ImageLoader: @unchecked Sendable {
    // @unchecked: `cache` and `warned` are only touched while holding `lock`.

    private enum Outcome {
        case input([Float])
        case failure(String)
    }

    public let preprocessing: Preprocessing
    private let lock = NSLock()
    private var cache: [String: Outcome] = [:]
    private var warned: Set<String> = []

    public init(preprocessing: Preprocessing) {
        self.preprocessing = preprocessing
    }

    /// The model input of `files`, in their order. Files that cannot be read or decoded are left out and
    /// reported in `skipped`; `warn` gets one line for each, the first time this loader meets it:
    /// `Warning: skipping anger/x.jpg: it is a WebP image; supported: JPEG, PNG, BMP, GIF`.
    public func load(_ files: [LabeledFile], warn: (String) -> Void) -> LoadedImages {
        decodeMissing(files)

        let outcomes: [Outcome] = lock.withLock { files.map { cache[$0.url.path]! } }
        var kept: [(file: LabeledFile, input: [Float])] = []
        var skipped: [SkippedFile] = []
        for (file, outcome) in zip(files, outcomes) {
            switch outcome {
            case .input(let input):
                kept.append((file, input))
            case .failure(let reason):
                skipped.append(SkippedFile(file: file.relativePath, reason: reason))
                let isFirst = lock.withLock { warned.insert(file.url.path).inserted }
                if isFirst { warn("Warning: skipping \(file.relativePath): \(reason)") }
            }
        }

        let imageSize = preprocessing.height * preprocessing.width * 3
        var images = Tensor(uninitializedShape: [kept.count, preprocessing.height, preprocessing.width, 3])
        images.withUnsafeMutableBufferPointer { buffer in
            for (index, item) in kept.enumerated() {
                item.input.withUnsafeBufferPointer { input in
                    (buffer.baseAddress! + index * imageSize).update(from: input.baseAddress!, count: imageSize)
                }
            }
        }
        return LoadedImages(
            images: images,
            labels: kept.map { Int32($0.file.label) },
            files: kept.map(\.file),
            skipped: skipped)
    }

    /// Decodes, on all cores, the files not in the cache yet, and caches them.
    private func decodeMissing(_ files: [LabeledFile]) {
        var seen = Set<String>()
        let missing: [URL] = lock.withLock {
            files.map(\.url).filter { cache[$0.path] == nil && seen.insert($0.path).inserted }
        }
        guard !missing.isEmpty else { return }

        let preprocessing = self.preprocessing
        var outcomes = [Outcome?](repeating: nil, count: missing.count)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own slot.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: missing.count) { index in
                slots[index] = Self.prepare(missing[index], preprocessing)
            }
        }
        lock.withLock {
            for (url, outcome) in zip(missing, outcomes) { cache[url.path] = outcome! }
        }
    }

    private static func prepare(_ url: URL, _ preprocessing: Preprocessing) -> Outcome {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            return .failure("cannot read the file (\(error.localizedDescription))")
        }
        do {
            let image = try decodeImage(bytes)
            guard image.width > 0 && image.height > 0 else { return .failure("the image has no pixels") }
            return .input(preprocessing.modelInput(from: image))
        } catch {
            return .failure(String(describing: error))
        }
    }
}
