// Where tests find the repository, their fixtures and the shared data: always from #filePath, never from
// the working directory.

import Foundation

public enum RepositoryPaths {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `<repo>/../shared`: the team's read-only data (present in CI and on the team's machines, absent on
    /// users' machines; tests that need it skip with a message when it is missing).
    public static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    public static let sharedData = shared.appendingPathComponent("data")
    /// 1,037 real face photos in six class folders.
    public static let faces6 = sharedData.appendingPathComponent("faces6")
    /// Keras's own split of faces6 with seed 123.
    public static let faces6Split = sharedData.appendingPathComponent("faces6-keras-split-seed123.json")
    /// Ten loose photos and their labels.csv.
    public static let facialPics = sharedData.appendingPathComponent("facial-pics")
    /// ImageNet-pretrained EfficientNet-Lite0 weights (timm names), its sample photos and class names.
    public static let backbones = shared.appendingPathComponent("backbones")
    public static let lite0Weights = backbones.appendingPathComponent("efficientnet_lite0.safetensors")
    /// The procedural demo set shipped in the repository.
    public static let demoData = root.appendingPathComponent("Data")

    /// The `Fixtures` folder beside the test file that calls this.
    public static func fixtures(_ filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// Whether `url` exists; tests use it to skip with a message when the shared data is absent.
    public static func exists(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path)
    }
}
