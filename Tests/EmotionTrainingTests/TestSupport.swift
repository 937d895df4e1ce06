// Shared helpers of the EmotionTraining tests: fixture and shared-data paths (from #filePath, never the
// working directory) and throwaway folders.
import Foundation

enum TestPaths {
    /// Tests/EmotionTrainingTests
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures")
    static let repositoryRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    /// `<repo>/../shared/data`, present in CI and on the team's machines, absent on users' machines.
    static let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    static let faces6 = sharedData.appendingPathComponent("faces6")
    static let faces6Split = sharedData.appendingPathComponent("faces6-keras-split-seed123.json")

    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
}

/// A fresh folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("emotion-training-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to `relativePath`, creating the folders on the way.
    func write(_ relativePath: String, _ bytes: [UInt8] = []) throws {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }

    func makeFolder(_ relativePath: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(relativePath), withIntermediateDirectories: true)
    }
}
