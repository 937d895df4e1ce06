// The cache of prepared images that spares later epochs the decoding, within a fixed memory budget.
//
// Every epoch visits every image once, in a new random order. For that access pattern an LRU cache smaller
// than the data set misses on every access (each image is evicted before its next turn), so this cache
// never evicts: images are admitted while the budget lasts and stay for the rest of the run. Any fixed
// subset gives the same expected hit rate (budget / data-set size), and memory never exceeds the budget.

import Foundation

/// Prepared images by file, up to `budget` bytes, plus the reason each unusable file failed (so later
/// epochs neither decode it again nor warn again). Thread-safe.
public final class ImageCache: @unchecked Sendable {
    // @unchecked: every mutable field is only touched with `lock` held.

    /// Bytes the prepared images may take in all.
    public let budget: MemorySize
    private let lock = NSLock()
    private var images: [String: PreparedImage] = [:]
    private var failures: [String: String] = [:]
    private var usedBytes = 0

    public init(budget: MemorySize) {
        self.budget = budget
    }

    /// What is known about `path`: its prepared image, why it failed, or nil when it was never seen (or
    /// did not fit the budget).
    func lookUp(_ path: String) -> Result<PreparedImage, FileFailure>? {
        lock.withLock {
            if let image = images[path] { return .success(image) }
            return failures[path].map { .failure(FileFailure(reason: $0)) }
        }
    }

    /// Keeps `image` if it fits what is left of the budget; returns whether it was kept.
    @discardableResult
    func insert(_ image: PreparedImage, for path: String) -> Bool {
        let size = image.byteCount
        return lock.withLock {
            guard images[path] == nil, usedBytes + size <= budget.bytes else { return false }
            images[path] = image
            usedBytes += size
            return true
        }
    }

    /// Records why `path` cannot be used; returns true the first time (so the caller warns once).
    @discardableResult
    func recordFailure(_ reason: String, for path: String) -> Bool {
        lock.withLock { failures.updateValue(reason, forKey: path) == nil }
    }

    /// Why `path` could not be used, if it was met and failed.
    public func failureReason(for path: String) -> String? {
        lock.withLock { failures[path] }
    }

    /// Bytes held by the cached images.
    public var usedMemory: MemorySize { lock.withLock { MemorySize(bytes: usedBytes) } }

    /// How many images are cached.
    public var imageCount: Int { lock.withLock { images.count } }
}

/// Why a file could not be used (unreadable, or not a decodable image).
public struct FileFailure: Error, Sendable, Equatable {
    public let reason: String
}
