// Fixture and shared-data locations for the face detection tests, resolved from this file's path.

import Foundation

enum FaceTestFiles {
    /// Tests/FaceDetectionTests/Fixtures.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// `<repo>/../shared`, or nil when it is absent (tests that need it then skip with a message).
    static let shared: URL? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()
}
