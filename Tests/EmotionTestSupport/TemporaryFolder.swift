// Throwaway folders for tests, removed when released.

import Foundation

/// A fresh folder under the system's temporary folder, removed (with its contents) when the value is released.
public final class TemporaryFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("emotion-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        remove()
    }

    /// Removes the folder now; `defer { folder.remove() }` also keeps the folder alive to the end of a scope.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `relativePath` inside the folder.
    public func path(_ relativePath: String) -> String {
        url.appendingPathComponent(relativePath).path
    }

    /// Writes `bytes` to `relativePath`, creating the folders on the way.
    public func write(_ relativePath: String, _ bytes: [UInt8] = []) throws {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }

    public func makeFolder(_ relativePath: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(relativePath), withIntermediateDirectories: true)
    }
}
